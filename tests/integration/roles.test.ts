/**
 * Roles and key epochs with a real relay process and three Node peers (in this process, each its own libp2p node
 * and data dir): a member's forged self-promotion is ignored by everyone; an admin kicks Cy, and Cy, still connected,
 * subscribed and syncing, stores what is sent after but decrypts none of it, while the others go on talking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import { createIdentity } from '../../src/identity/identity.ts'
import { parseInviteLink } from '../../src/room/invite.ts'
import { forgeOps } from './support/forger.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat } from '../../src/index.ts'
import type { RelayProc } from './support/processes.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

async function until (check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const texts = (c: Chat, room: string): string[] => c.messages(room).filter(v => !v.deleted).map(v => v.text)

describe('roles and key epochs through a relay process', () => {
  let relay: RelayProc
  let relayTcp: string
  let ana: Chat
  let ben: Chat
  let cy: Chat
  let room: string
  let invite: string
  const cyIdentity = createIdentity()
  const extra: Chat[] = []

  beforeAll(async () => {
    relay = await startRelayProc()
    relayTcp = relay.multiaddrs.find(a => a.includes('/tcp/') && !a.includes('/ws')) as string
    ana = await createChat({ dataDir: await tempDir('cs-ana-'), relays: [relayTcp], displayName: 'Ana', ...NET })
    ben = await createChat({ dataDir: await tempDir('cs-ben-'), relays: [relayTcp], displayName: 'Ben', ...NET })
    cy = await createChat({ dataDir: await tempDir('cs-cy-'), relays: [relayTcp], displayName: 'Cy', identity: cyIdentity, ...NET })
    for (const c of [ana, ben, cy]) expect(await c.waitForRelay(20_000)).toBe(true)
    const created = await ana.createRoom('club')
    room = created.id
    invite = created.invite
    await ben.joinRoom(invite)
    await cy.joinRoom(invite)
    await until(() => [ana, ben, cy].every(c => c.members(room).length === 3), 'everyone sees three members')
  }, 90_000)

  afterAll(async () => {
    for (const c of [ana, ben, cy, ...extra]) await c?.close().catch(() => {})
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('the creator is the owner; everyone agrees on the roles', () => {
    for (const c of [ana, ben, cy]) {
      expect(c.roomSettings(room).roles).toBe(true)
      expect(c.roles(room).find(r => r.role === 'owner')?.userId).toBe(ana.user.userId)
    }
    expect(ben.members(room).find(m => m.userId === cy.user.userId)?.role).toBe('member')
  })

  it('the API refuses what the room would ignore', async () => {
    await expect(cy.setRole(room, cy.user.userId, 'admin')).rejects.toMatchObject({ name: 'NotAllowedError' })
    await expect(cy.kick(room, ben.user.userId)).rejects.toMatchObject({ name: 'NotAllowedError' })
  })

  it('a member promotes itself with a forged op: ignored by all, and counted', async () => {
    const secret = parseInviteLink(invite).secret
    // Cy signs a role op making Cy admin (a valid signature, an unauthorized op), and a second op that claims to be
    // Ana's (her user key as author) signed with Cy's key.
    const fakeAna = { ...cyIdentity, publicKey: ana.user.publicKey, userId: ana.user.userId }
    await forgeOps(relayTcp, relay.peerId, secret, [
      { identity: cyIdentity, body: { k: 'role', user: cyIdentity.publicKey, role: 'admin' } },
      { identity: fakeAna, body: { k: 'role', user: cyIdentity.publicKey, role: 'admin' } }
    ])
    await until(() => [ana, ben, cy].every(c => (c.dropped()['role-self-promotion'] ?? 0) >= 1 && (c.dropped()['bad-signature'] ?? 0) >= 1), 'forgery seen and refused by all')
    for (const c of [ana, ben, cy]) {
      expect(c.roles(room).find(r => r.userId === cy.user.userId)?.role).toBe('member')
      expect(c.moderationLog(room).some(e => e.user === cy.user.userId)).toBe(false)
    }
  }, 60_000)

  it('an admin kicks Cy: Cy, still connected and listening, decrypts nothing sent after; the others continue', async () => {
    await ana.setRole(room, ben.user.userId, 'admin')
    await until(() => ben.roles(room).find(r => r.userId === ben.user.userId)?.role === 'admin', 'Ben sees himself admin')
    await ana.send(room, 'before the kick')
    await until(() => texts(cy, room).includes('before the kick'), 'Cy reads before the kick')

    const epoch = await ben.kick(room, cy.user.userId)
    expect(epoch).toBe(1)
    await until(() => ana.keyEpoch(room).held.includes(1), 'Ana got the new key')
    await until(() => cy.moderationLog(room).some(e => e.action === 'kick' && e.user === cy.user.userId), 'Cy saw the kick')
    expect(cy.keyEpoch(room).held).toEqual([0])
    expect(cy.roomSettings(room).epoch).toBe(1)

    const waitingBefore = cy.keyEpoch(room).waiting
    await ana.send(room, 'secret after the kick')
    await until(() => texts(ben, room).includes('secret after the kick'), 'Ben reads after the kick')
    await ben.send(room, 'Ben still here')
    await until(() => texts(ana, room).includes('Ben still here'), 'Ana reads Ben')
    // Cy is connected and subscribed: both frames reach Cy's log, and neither opens.
    await until(() => cy.keyEpoch(room).waiting >= waitingBefore + 2, 'both frames reached Cy')
    expect(cy.connectedRelays().length).toBe(1)
    expect(texts(cy, room)).toEqual(['before the kick'])
    expect(cy.dropped()['epoch-locked']).toBeGreaterThanOrEqual(2)
    // Frames Cy cannot open are not reported as missing messages.
    expect(cy.gaps(room)).toEqual([])

    // What Cy still writes (in the old epoch) is not shown by the others.
    await cy.send(room, 'Cy after the kick')
    await until(() => (ana.dropped()['role-removed-author'] ?? 0) >= 1 && (ben.dropped()['role-removed-author'] ?? 0) >= 1, 'Cy hidden by the others')
    expect(texts(ana, room)).not.toContain('Cy after the kick')
    expect(ana.members(room).map(m => m.userId)).not.toContain(cy.user.userId)
    expect(ana.moderationLog(room).map(e => e.action)).toEqual(['genesis', 'role', 'kick', 'rekey'])
  }, 90_000)

  it('moderation: a message removed from view for everyone; settings by admins', async () => {
    const mine = await ana.send(room, 'the owner speaks')
    await until(() => texts(ben, room).includes('the owner speaks'), 'Ben has it')
    // Ben (admin) may not remove the owner's message; Ana (owner) removes Ben's.
    await expect(ben.removeMessage(room, mine.id)).rejects.toMatchObject({ name: 'NotAllowedError' })
    const sent = await ben.send(room, 'to be removed')
    await until(() => texts(ana, room).includes('to be removed'), 'Ana has it')
    await ana.removeMessage(room, sent.id)
    await until(() => ben.messages(room).find(v => v.id === sent.id)?.removedBy === ana.user.userId, 'removed at Ben')
    expect(texts(ben, room)).not.toContain('to be removed')
    await ana.updateRoomSettings(room, { topic: 'members only', history: 'joined' })
    await until(() => ben.roomSettings(room).topic === 'members only', 'settings at Ben')
    expect(ben.roomSettings(room).history).toBe('joined')
  }, 60_000)

  it('newcomers: with history "joined" a new epoch lets them in from now on; with "all" they get every older key', async () => {
    // History is "joined" (previous test): Dee's arrival makes a moderator or above start epoch 2 including her.
    const dee = await createChat({ dataDir: await tempDir('cs-dee-'), relays: [relayTcp], displayName: 'Dee', ...NET })
    extra.push(dee)
    expect(await dee.waitForRelay(20_000)).toBe(true)
    await dee.joinRoom(invite)
    await until(() => dee.keyEpoch(room).held.includes(2), 'Dee got epoch 2')
    await until(() => ana.keyEpoch(room).held.includes(2) && ben.keyEpoch(room).held.includes(2), 'Ana and Ben on epoch 2')
    await ana.send(room, 'welcome Dee')
    await until(() => texts(dee, room).includes('welcome Dee'), 'Dee reads the welcome')
    expect(texts(dee, room)).not.toContain('secret after the kick')
    expect(dee.keyEpoch(room).held).toEqual([0, 2])

    // History "all": Eve gets epochs 1 and 2 from members online (granted, no new epoch).
    await ana.updateRoomSettings(room, { history: 'all' })
    const eve = await createChat({ dataDir: await tempDir('cs-eve-'), relays: [relayTcp], displayName: 'Eve', ...NET })
    extra.push(eve)
    expect(await eve.waitForRelay(20_000)).toBe(true)
    await until(() => ben.roomSettings(room).history === 'all', 'Ben sees history all')
    await eve.joinRoom(invite)
    await until(() => eve.keyEpoch(room).held.includes(1) && eve.keyEpoch(room).held.includes(2), 'Eve got epochs 1 and 2')
    await until(() => texts(eve, room).includes('secret after the kick') && texts(eve, room).includes('welcome Dee'), 'Eve reads the older epochs')
    expect(eve.roomSettings(room).epoch).toBe(2)
    // Cy, still connected, got none of it.
    expect(cy.keyEpoch(room).held).toEqual([0])
    expect(texts(cy, room)).toEqual(['before the kick'])
  }, 120_000)
})
