/**
 * The membership fold (src/roles/fold.ts): every rule checked against the signer's role at that point of the log,
 * forged self-promotion and unauthorized ops ignored and counted, order matters, removed authors hidden.
 */
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { toHex } from '../../../src/crypto/encoding.ts'
import { foldRoles, memberList } from '../../../src/roles/fold.ts'
import type { OpenedMessage } from '../../../src/envelope/types.ts'
import { msg, user } from './support.ts'
import type { User } from './support.ts'

const text = (u: User, t: string): OpenedMessage => msg(u, { k: 'text', text: t })
const profile = (u: User): OpenedMessage => msg(u, { k: 'profile', name: 'x', box: u.box })
const role = (by: User, to: User, r: 'owner' | 'admin' | 'moderator' | 'member'): OpenedMessage => msg(by, { k: 'role', user: to.key, role: r })
const keysOp = (by: User, epoch: number, rekey: boolean): OpenedMessage => msg(by, { k: 'keys', epoch, rekey, epk: new Uint8Array(32), grants: [] })

describe('foldRoles', () => {
  const owner = user()
  const admin = user()
  const mod = user()
  const mem = user()
  const other = user()

  /** owner created the room, admin/mod promoted, mem and other implicit members. */
  function base (): OpenedMessage[] {
    return [
      msg(owner, { k: 'genesis' }), profile(owner), profile(admin), profile(mod), profile(mem), profile(other),
      role(owner, admin, 'admin'), role(admin, mod, 'moderator')
    ]
  }

  it('an open room (no genesis): everyone who posts is a member, role ops are ignored', () => {
    const s = foldRoles([text(mem, 'hi'), role(mem, mem, 'admin'), msg(other, { k: 'kick', user: mem.key })])
    expect(s.roles).toBe(false)
    expect(s.members.get(mem.id)?.role).toBe('member')
    expect(s.members.get(other.id)?.role).toBe('member')
    expect(s.ignored['no-roles']).toBe(2)
  })

  it('genesis makes its author owner; a second genesis is ignored', () => {
    const s = foldRoles([...base(), msg(mem, { k: 'genesis' })])
    expect(s.roles).toBe(true)
    expect(s.owner).toBe(owner.id)
    expect(memberList(s).map(m => [m.userId, m.role])).toEqual(expect.arrayContaining([[owner.id, 'owner'], [admin.id, 'admin'], [mod.id, 'moderator'], [mem.id, 'member']]))
    expect(s.ignored['genesis-repeat']).toBe(1)
    expect(s.members.get(mem.id)?.implicit).toBe(true)
  })

  it('self-promotion is ignored and counted, whatever the role', () => {
    const s = foldRoles([...base(), role(mem, mem, 'admin'), role(mod, mod, 'admin'), role(admin, admin, 'owner'), role(mem, mem, 'owner')])
    expect(s.members.get(mem.id)?.role).toBe('member')
    expect(s.members.get(mod.id)?.role).toBe('moderator')
    expect(s.members.get(admin.id)?.role).toBe('admin')
    expect(s.owner).toBe(owner.id)
    expect(s.ignored['self-promotion']).toBe(4)
  })

  it('an admin cannot demote the owner, promote to admin, or change another admin; the owner can', () => {
    const admin2 = user()
    const s = foldRoles([
      ...base(), role(admin, owner, 'member'), role(admin, mem, 'admin'), role(owner, admin2, 'admin'), role(admin, admin2, 'member'),
      role(admin, other, 'moderator')
    ])
    expect(s.members.get(owner.id)?.role).toBe('owner')
    expect(s.members.get(mem.id)?.role).toBe('member')
    expect(s.members.get(admin2.id)?.role).toBe('admin')
    expect(s.members.get(other.id)?.role).toBe('moderator')
    expect(s.ignored['target-rank']).toBe(2)
    expect(s.ignored['not-allowed']).toBe(1)
  })

  it('members and moderators cannot change roles; stepping down is allowed, the owner hands over', () => {
    const s = foldRoles([...base(), role(mem, other, 'moderator'), role(mod, other, 'member'), role(mod, mod, 'member'), role(owner, admin, 'owner')])
    expect(s.ignored['not-allowed']).toBe(2)
    expect(s.members.get(mod.id)?.role).toBe('member')
    expect(s.owner).toBe(admin.id)
    expect(s.members.get(owner.id)?.role).toBe('admin')
  })

  it('each op is checked at its position in the log (order matters)', () => {
    const kickBeforePromotion = [...base(), msg(mem, { k: 'kick', user: other.key }), role(admin, mem, 'moderator')]
    const kickAfterPromotion = [...base(), role(admin, mem, 'moderator'), msg(mem, { k: 'kick', user: other.key })]
    expect(foldRoles(kickBeforePromotion).members.has(other.id)).toBe(true)
    expect(foldRoles(kickBeforePromotion).ignored['not-allowed']).toBe(1)
    expect(foldRoles(kickAfterPromotion).members.has(other.id)).toBe(false)
    expect(foldRoles(kickAfterPromotion).removed.has(other.id)).toBe(true)
  })

  it('a kicked member: earlier messages stay, later ones are hidden and their ops ignored; an admin re-adds them', () => {
    const before = text(mem, 'before')
    const after = text(mem, 'after')
    const readded = text(mem, 'back')
    const s = foldRoles([...base(), before, msg(mod, { k: 'kick', user: mem.key }), after, role(mem, mem, 'admin'), role(admin, mem, 'member'), readded])
    expect(s.hidden.has(before.idText)).toBe(false)
    expect(s.hidden.has(after.idText)).toBe(true)
    expect(s.hidden.has(readded.idText)).toBe(false)
    expect(s.ignored['removed-author']).toBe(1)
    expect(s.ignored['not-member']).toBe(1)
    expect(s.members.get(mem.id)?.role).toBe('member')
    expect(s.moderation.map(e => e.action)).toEqual(['genesis', 'role', 'role', 'kick', 'role'])
  })

  it('a moderator cannot kick an admin or the owner; nobody kicks themselves', () => {
    const s = foldRoles([...base(), msg(mod, { k: 'kick', user: admin.key }), msg(mod, { k: 'kick', user: owner.key }), msg(mod, { k: 'kick', user: mod.key })])
    expect(s.members.size).toBe(5)
    expect(s.ignored['target-rank']).toBe(2)
    expect(s.ignored['not-allowed']).toBe(1)
  })

  it('ban keeps a user out (no implicit return); unban needs a re-add', () => {
    const later = text(other, 'I am back')
    const s = foldRoles([...base(), msg(mod, { k: 'ban', user: other.key, on: true }), later, msg(mod, { k: 'ban', user: other.key, on: false }), text(other, 'still out')])
    expect(s.banned.has(other.id)).toBe(false)
    expect(s.removed.has(other.id)).toBe(true)
    expect(s.members.has(other.id)).toBe(false)
    expect(s.hidden.size).toBe(2)
    const banned = foldRoles([...base(), msg(mod, { k: 'ban', user: other.key, on: true }), role(admin, other, 'member')])
    expect(banned.ignored.banned).toBe(1)
    expect(banned.members.has(other.id)).toBe(false)
  })

  it('moderators remove messages of members (not of admins); restore; unknown targets are ignored', () => {
    const t1 = text(mem, 'spam')
    const t2 = text(admin, 'admin says')
    const s = foldRoles([...base(), t1, t2, msg(mod, { k: 'remove', target: t1.id, on: true }), msg(mod, { k: 'remove', target: t2.id, on: true }),
      msg(mem, { k: 'remove', target: t1.id, on: false }), msg(mod, { k: 'remove', target: new Uint8Array(16), on: true })])
    expect([...s.removedMessages.keys()]).toEqual([t1.idText])
    expect(s.removedMessages.get(t1.idText)).toBe(mod.id)
    expect(s.ignored['target-rank']).toBe(1)
    expect(s.ignored['not-allowed']).toBe(1)
    expect(s.ignored['unknown-target']).toBe(1)
    const restored = foldRoles([...base(), t1, msg(mod, { k: 'remove', target: t1.id, on: true }), msg(admin, { k: 'remove', target: t1.id, on: false })])
    expect(restored.removedMessages.size).toBe(0)
  })

  it('settings: admins only, field by field; the old room-name message needs an admin too', () => {
    const s = foldRoles([...base(), msg(mod, { k: 'settings', name: 'mine' }), msg(admin, { k: 'settings', name: 'Team', history: 'joined' }),
      msg(owner, { k: 'settings', invite: 'admin' }), msg(mem, { k: 'room', name: 'hijack' })])
    expect(s.settings).toEqual({ name: 'Team', invite: 'admin', history: 'joined' })
    expect(s.ignored['not-allowed']).toBe(2)
    expect(s.hidden.size).toBe(1)
  })

  it('key epochs: moderators rekey to a higher epoch; grants need the invite role or the epoch starter', () => {
    const s = foldRoles([...base(), keysOp(mem, 1, true), keysOp(mod, 1, true), keysOp(admin, 1, true), keysOp(mem, 1, false), keysOp(mem, 3, false),
      msg(owner, { k: 'settings', invite: 'admin' }), keysOp(mem, 1, false), keysOp(mod, 1, false), keysOp(admin, 1, false)])
    expect(s.epoch).toBe(1)
    expect(s.keyOps.map(o => [o.by, o.rekey])).toEqual([[mod.id, true], [mem.id, false], [mod.id, false], [admin.id, false]])
    expect(s.ignored['not-allowed']).toBe(2)
    expect(s.ignored['bad-epoch']).toBe(2)
  })

  it('open rooms: any member may rekey', () => {
    const s = foldRoles([text(mem, 'x'), keysOp(other, 1, true)])
    expect(s.epoch).toBe(1)
  })

  it('a pinned genesis wins over one inserted before it later', () => {
    const real = msg(owner, { k: 'genesis' })
    const crafted = msg(mem, { k: 'genesis' })
    const log = [crafted, real, role(owner, admin, 'admin')]
    expect(foldRoles(log).owner).toBe(mem.id)
    const pinned = foldRoles(log, { pinnedGenesis: real.idText })
    expect(pinned.owner).toBe(owner.id)
    expect(pinned.members.get(admin.id)?.role).toBe('admin')
  })

  it('box keys come from the latest profile, plus extra keys (linked devices)', () => {
    const extra = Uint8Array.from(randomBytes(32))
    const s = foldRoles([...base()], { extraBoxKeys: (id) => id === mem.id ? [extra] : [] })
    expect(s.members.get(mem.id)?.boxKeys.map(toHex)).toEqual([toHex(mem.box), toHex(extra)])
  })
})
