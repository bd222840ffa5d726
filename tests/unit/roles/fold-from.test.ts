/**
 * RoomRoles.foldFrom (the chat's read-model fold after a roles refresh of the same list): the state it keeps is
 * what a full foldRoles of that list gives with the current input, box keys of linked devices included.
 */
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { toHex } from '../../../src/crypto/encoding.ts'
import { foldRoles } from '../../../src/roles/fold.ts'
import { RoomRoles } from '../../../src/roles/room-roles.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { RoleState } from '../../../src/roles/types.ts'
import { msg, user } from './support.ts'


/** The parts of a state a chat reads, comparable with toEqual. */
function plain (s: RoleState): unknown {
  return { ...s, members: [...s.members.entries()].map(([k, m]) => [k, { ...m, boxKeys: m.boxKeys.map(b => toHex(b)) }]) }
}

describe('RoomRoles.foldFrom', () => {
  it('after refresh of the same list: the same state as a full fold, with box keys from the current input', async () => {
    const owner = user()
    const ben = user()
    const extra = new Map<string, Uint8Array[]>()
    const roles = await RoomRoles.open({ roomIdText: 'r', storage: memoryStorage(), epoch0Key: new Uint8Array(32), mine: () => [], extraBoxKeys: (u) => extra.get(u) ?? [] })
    const opened = [msg(owner, { k: 'genesis' }), msg(owner, { k: 'profile', name: 'o', box: owner.box }), msg(ben, { k: 'profile', name: 'b', box: ben.box }),
      msg(ben, { k: 'text', text: 'hi' }), msg(owner, { k: 'kick', user: ben.key }), msg(ben, { k: 'text', text: 'hidden' })]
    await roles.refresh(opened)
    // A linked device of the owner appears between the refresh and the read-model fold.
    extra.set(owner.id, [Uint8Array.from(randomBytes(32))])
    const kept = roles.foldFrom(opened)
    expect(kept).toBe(roles.state)
    expect(plain(kept)).toEqual(plain(foldRoles(opened, roles.foldInput())))
    expect(kept.members.get(owner.id)?.boxKeys.length).toBe(2)
    // Another list (a message opened since): folded in full.
    const longer = [...opened, msg(owner, { k: 'settings', name: 'n' })]
    expect(plain(roles.foldFrom(longer))).toEqual(plain(foldRoles(longer, roles.foldInput())))
    expect(roles.state.settings.name).toBe('n')
  })
})
