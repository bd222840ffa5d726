/**
 * A member who joins a room the relay already carries is seen online at once. Before, the joiner announced its
 * presence only when some peer subscribed to the room after it joined (the relay usually subscribed late, which hid
 * this), or at its presence timer (PRESENCE_INTERVAL_MS, 20 s), longer than this test waits; and an announcement
 * made while our gossipsub stream to the relay was still opening was dropped without a retry.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { PRESENCE_INTERVAL_MS } from '../../../src/constants.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat, ChatEvents } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

describe('presence of a joiner', () => {
  let dir: string
  let relay: Relay
  let ana: Chat
  let ben: Chat | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-presence-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
    ana = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Ana', ...NET })
    expect(await ana.waitForRelay(10_000)).toBe(true)
  })

  afterAll(async () => {
    await ben?.close()
    await ana?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('is announced as soon as the joiner subscribes, when the relay was on the room before', async () => {
    const lobby = await ana.createRoom('lobby')
    const team = await ana.createRoom('team')
    // The relay holds a message of each room: it has been keeping (and subscribed to) both since before Ben exists.
    for (const r of [lobby, team]) {
      const sent = await ana.send(r.id, 'hello')
      expect(await ana.waitForRelayHold(r.id, sent.id, 10_000)).toBe(true)
    }
    ben = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Ben', ...NET })
    expect(await ben.waitForRelay(10_000)).toBe(true)
    const benId = ben.user.userId
    // Ben in the lobby, seen online there by Ana: gossip flows both ways between Ben and the relay, so Ben knows every
    // topic the relay is subscribed to, the team room's among them, before he joins it.
    const inLobby = onlineAt(ana, lobby.id, benId, 3 * PRESENCE_INTERVAL_MS)
    await ben.joinRoom(lobby.invite)
    await inLobby
    // Half the presence period: only the announcement made on joining can arrive within it.
    const inTeam = onlineAt(ana, team.id, benId, PRESENCE_INTERVAL_MS / 2)
    await ben.joinRoom(team.invite)
    await inTeam
  })
})

/** Resolves when `chat` sees `userId` online in `room`; rejects after `ms`. */
async function onlineAt (chat: Chat, room: string, userId: string, ms: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { chat.removeEventListener('presence', on); reject(new Error(`${userId} not seen online in ${room} within ${ms} ms`)) }, ms)
    const on = (e: ChatEvents['presence']): void => {
      if (e.detail.room !== room || e.detail.userId !== userId || e.detail.state !== 'online') return
      clearTimeout(timer)
      chat.removeEventListener('presence', on)
      resolve()
    }
    chat.addEventListener('presence', on)
  })
}
