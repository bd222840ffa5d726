/**
 * Roles through createChat in process (a relay and peers on 127.0.0.1, memory storage): rotateEpoch with
 * excludeBoxKeys (device revocation) cuts a box key off and nobody grants it again; epoch keys and the pinned genesis
 * come back after a restart (rebuilt from the log); open rooms (no roles): any member rotates, newcomers get grants.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { genesisMetaKey } from '../../../src/roles/room-roles.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

async function until (check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
const texts = (c: Chat, room: string): string[] => c.messages(room).map(v => v.text)

describe('roles in createChat', () => {
  let dir: string
  let relay: Relay
  const open: Chat[] = []
  const start = async (opts: Parameters<typeof createChat>[0]): Promise<Chat> => {
    const c = await createChat({ relays: [relay.url], ...NET, ...opts })
    open.push(c)
    expect(await c.waitForRelay(10_000)).toBe(true)
    return c
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-roles-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {})
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('rotateEpoch excluding a box key: that key reads nothing after and is never granted again; a restart rebuilds the keys', async () => {
    const anaStorage = memoryStorage()
    const benIdentity = createIdentity()
    let ana = await start({ storage: anaStorage, displayName: 'Ana' })
    const ben = await start({ storage: memoryStorage(), displayName: 'Ben', identity: benIdentity })
    const room = await ana.createRoom('team')
    await ben.joinRoom(room.invite)
    await until(() => ana.members(room.id).length === 2, 'Ana sees Ben')
    expect(anaStorage.meta.has(genesisMetaKey(room.id))).toBe(true)

    const epoch = await ana.rotateEpoch(room.id, { excludeBoxKeys: [benIdentity.boxPublicKey] })
    expect(epoch).toBe(1)
    await ana.send(room.id, 'not for that key')
    await until(() => ben.keyEpoch(room.id).waiting >= 1, 'the frame reached Ben')
    expect(texts(ben, room.id)).not.toContain('not for that key')
    // Ben is still a member, but his key is revoked: a profile announcement does not bring a grant.
    await ben.setName('Ben again')
    await until(() => ana.members(room.id).some(m => m.name === 'Ben again'), 'Ana sees the new profile')
    // A newcomer after that is granted the key: Ben, known missing before, would have been granted by then too.
    const cy = await start({ storage: memoryStorage(), displayName: 'Cy' })
    await cy.joinRoom(room.invite)
    await until(() => cy.keyEpoch(room.id).held.includes(1), 'Cy was granted epoch 1')
    expect(ben.keyEpoch(room.id).held).toEqual([0])
    expect(ana.roles(room.id).map(r => r.role).sort()).toEqual(['member', 'member', 'owner'])

    // Restart: the epoch key comes back from the grants in the log, the pinned genesis from storage.
    await ana.close()
    ana = await start({ storage: anaStorage, displayName: 'Ana' })
    expect(ana.keyEpoch(room.id).held).toEqual([0, 1])
    expect(texts(ana, room.id)).toContain('not for that key')
    expect(ana.roles(room.id).find(r => r.role === 'owner')?.userId).toBe(ana.user.userId)
  }, 60_000)

  it('open rooms: any member rotates, a newcomer is granted the key, and ops need no roles', async () => {
    const ana = await start({ storage: memoryStorage(), displayName: 'Ana' })
    const ben = await start({ storage: memoryStorage(), displayName: 'Ben' })
    const room = await ana.createRoom('open', { roles: false })
    await ben.joinRoom(room.invite)
    await until(() => ben.members(room.id).length === 2, 'Ben sees Ana')
    expect(ben.roomSettings(room.id).roles).toBe(false)
    await expect(ben.kick(room.id, ana.user.userId)).rejects.toMatchObject({ name: 'NotAllowedError' })
    expect(await ben.rotateEpoch(room.id)).toBe(1)
    await until(() => ana.keyEpoch(room.id).held.includes(1), 'Ana got the key')
    await ben.send(room.id, 'epoch one')
    const cy = await start({ storage: memoryStorage(), displayName: 'Cy' })
    await cy.joinRoom(room.invite)
    await until(() => cy.keyEpoch(room.id).held.includes(1), 'Cy was granted the key')
    await until(() => texts(cy, room.id).includes('epoch one'), 'Cy reads epoch one')
  }, 60_000)

  it('two admins rotate at the same moment: one rekey wins in log order and both end up on its key', async () => {
    const ana = await start({ storage: memoryStorage(), displayName: 'Ana' })
    const ben = await start({ storage: memoryStorage(), displayName: 'Ben' })
    const room = await ana.createRoom('race')
    await ben.joinRoom(room.invite)
    await until(() => ana.members(room.id).length === 2, 'Ana sees Ben')
    await ana.setRole(room.id, ben.user.userId, 'admin')
    await until(() => ben.roles(room.id).find(r => r.userId === ben.user.userId)?.role === 'admin', 'Ben is admin')
    const [ea, eb] = await Promise.all([ana.rotateEpoch(room.id), ben.rotateEpoch(room.id)])
    expect([ea, eb]).toEqual([1, 1])
    const rekeyOf = (c: Chat): string | undefined => c.moderationLog(room.id).find(e => e.action === 'rekey')?.id
    await until(() => rekeyOf(ana) !== undefined && rekeyOf(ana) === rekeyOf(ben), 'both accept the same rekey')
    expect(ana.roomSettings(room.id).epoch).toBe(1)
    await ana.send(room.id, 'from Ana on the winning key')
    await ben.send(room.id, 'from Ben on the winning key')
    await until(() => texts(ben, room.id).includes('from Ana on the winning key') && texts(ana, room.id).includes('from Ben on the winning key'), 'both read each other')
  }, 60_000)
})
