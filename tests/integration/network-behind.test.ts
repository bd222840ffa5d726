/**
 * The network started behind createChat (ChatInit.networkInBackground, as the web app starts; issue 4 P6): the rooms
 * and their last messages are there while libp2p is not started yet; a message sent then is stored (delivery local)
 * and reaches the relay and another member once the network is up; a room joined during the start is subscribed
 * after it; a chat closed before its network started closes without starting it. Real relay process, Node peers on
 * loopback; no timing: the order of what is seen is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'
import type { Chat } from '../../src/index.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

/** Resolves with the room's message of this text once the chat has it (a 'message' event, or already). */
async function messageArrives (chat: Chat, room: string, text: string, timeoutMs: number): Promise<void> {
  if (chat.messages(room).some(m => m.text === text)) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { chat.removeEventListener('message', on); reject(new Error(`"${text}" not received within ${timeoutMs} ms`)) }, timeoutMs)
    const on = (): void => {
      if (!chat.messages(room).some(m => m.text === text)) return
      clearTimeout(timer)
      chat.removeEventListener('message', on)
      resolve()
    }
    chat.addEventListener('message', on)
  })
}

describe('network started behind createChat', () => {
  let relay: RelayProc
  let anaDir = ''
  let ben: Chat | undefined
  let roomId = ''
  let benRoom = ''

  beforeAll(async () => {
    relay = await startRelayProc()
    anaDir = await tempDir('cs-ana-')
    // Ana's first session (plain start): a room with a message the relay holds, and the shown-tail record.
    const ana = await createChat({ dataDir: anaDir, displayName: 'Ana', relays: [relay.url], tailFirst: true, ...NET })
    try {
      const room = await ana.createRoom('friends')
      roomId = room.id
      expect(await ana.waitForRelay(30_000)).toBe(true)
      const sent = await ana.send(room.id, 'first')
      expect(await ana.waitForRelayHold(room.id, sent.id, 30_000)).toBe(true)
      ben = await createChat({ dataDir: await tempDir('cs-ben-'), displayName: 'Ben', relays: [relay.url], ...NET })
      expect(await ben.waitForRelay(30_000)).toBe(true)
      await ben.joinRoom(room.invite)
      expect(await ben.waitForRelaySync(room.id, 30_000)).toBe(true)
      benRoom = (await ben.createRoom('bens')).invite
    } finally {
      await ana.close()
    }
  }, 120_000)

  afterAll(async () => {
    await ben?.close()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('rooms and their last messages come before the network; what is sent meanwhile is delivered once it is up', async () => {
    const seen: string[] = []
    const ana = await createChat({ dataDir: anaDir, relays: [relay.url], tailFirst: true, networkInBackground: true, ...NET })
    try {
      ana.addEventListener('network', (e) => { seen.push(`network ${String(e.detail.started)} ${String(ana.peerId !== undefined)}`) })
      // createChat is done, the network is not started: the room and its last message are readable.
      seen.push(`created ${String(ana.peerId !== undefined)} ${ana.connectedRelays().length}`)
      expect(ana.rooms().map(r => r.id)).toEqual([roomId])
      expect(ana.messages(roomId, { limit: 50 }).map(m => m.text)).toContain('first')
      // Sent before the network is up (it is stored once the room is loaded, which may be after the network is up).
      seen.push(`send ${String(ana.peerId !== undefined)}`)
      const sending = ana.send(roomId, 'sent before the network')
      // Joined while the network starts: subscribed once it is up.
      const joining = ana.joinRoom(benRoom, 'bens')
      await ana.waitForNetwork()
      seen.push(`up ${String(ana.peerId !== undefined)}`)
      expect(seen).toEqual(['created false 0', 'send false', 'network true true', 'up true'])
      const sent = await sending
      const joined = await joining
      const other = ben as Chat
      // The relay gets the message sent before the network (keep + sync), and Ben with it.
      expect(await ana.waitForRelayHold(roomId, sent.id, 30_000)).toBe(true)
      await messageArrives(other, roomId, 'sent before the network', 30_000)
      // The room joined during the start is subscribed: Ben's message there reaches Ana live.
      expect(await other.waitForRoomPeer(joined.id, 30_000)).toBe(true)
      await other.send(joined.id, 'to the late joiner')
      await messageArrives(ana, joined.id, 'to the late joiner', 30_000)
      expect(ana.messages(roomId).map(m => m.text)).toEqual(['first', 'sent before the network'])
    } finally {
      await ana.close()
    }
  }, 120_000)

  it('a chat closed before its network started closes without starting it', async () => {
    const ana = await createChat({ dataDir: anaDir, relays: [relay.url], tailFirst: true, networkInBackground: true, ...NET })
    const events: string[] = []
    ana.addEventListener('network', (e) => { events.push(String(e.detail.started)) })
    await ana.close()
    await expect(ana.waitForNetwork()).rejects.toThrow(/closed/)
    expect(ana.peerId).toBeUndefined()
    expect(events).toEqual([])
  }, 60_000)
})
