/**
 * A relay closes the log of a kept room nobody used for a while and reopens it on demand (issue 8, soak and relay
 * abuse: every open log holds its whole history in memory). Nothing may be lost across an unload: a peer that was
 * offline still gets the whole history from the relay, a live message that reaches the closed log is forwarded and
 * stored, and every peer ends with the same history.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { parseMetrics } from '../../integration/support/processes.ts'
import { createChat } from '../../../src/index.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
const IDLE_MS = 300
const WAIT_MS = 20_000

describe('relay: idle kept rooms are unloaded and reopened on demand', () => {
  let dir: string
  let relay: Relay
  const chats: Chat[] = []
  const open = async (storage: ReturnType<typeof memoryStorage>, name?: string): Promise<Chat> => {
    const chat = await createChat({ storage, relays: [relay.url], displayName: name, ...NET })
    chats.push(chat)
    expect(await chat.waitForRelay(10_000)).toBe(true)
    return chat
  }
  const close = async (chat: Chat): Promise<void> => {
    chats.splice(chats.indexOf(chat), 1)
    await chat.close()
  }
  const metrics = (): Record<string, number> => parseMetrics(relay.metrics.render())
  const texts = (chat: Chat, room: string): string[] => chat.messages(room).map(m => m.text ?? '')
  const ids = (chat: Chat, room: string): string[] => chat.messages(room).map(m => m.id)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-relay-idle-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, roomIdleUnloadMs: IDLE_MS, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    for (const c of chats.splice(0)) await c.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('an offline peer gets the whole history from an unloaded room; a live message to it is forwarded and stored', async () => {
    const anaStore = memoryStorage()
    const benStore = memoryStorage()
    let ana = await open(anaStore, 'Ana')
    let ben = await open(benStore, 'Ben')
    const room = await ana.createRoom('idle')
    const joined = await ben.joinRoom(room.invite)
    expect(joined.id).toBe(room.id)
    for (let i = 0; i < 10; i++) await ana.send(room.id, `before ${i}`)
    await until(() => texts(ben, room.id).includes('before 9'), WAIT_MS, 'ben gets the first messages')
    await close(ben)
    let last = ''
    for (let i = 0; i < 10; i++) last = (await ana.send(room.id, `while ben was away ${i}`)).id
    expect(await ana.waitForRelayHold(room.id, last, WAIT_MS)).toBe(true)
    const expected = texts(ana, room.id)
    await close(ana)

    // Nobody online: every kept room (the shared one and the inbox rooms) goes idle and is unloaded.
    const kept = metrics().chatsphere_relay_rooms_kept ?? 0
    expect(kept).toBeGreaterThanOrEqual(1)
    await until(() => metrics().chatsphere_relay_rooms_loaded === 0, WAIT_MS, 'idle rooms unloaded')
    expect(metrics().chatsphere_relay_rooms_kept).toBe(kept)

    // Ben comes back: his sync reopens the room's log and brings him what he missed.
    ben = await open(benStore)
    expect(await ben.waitForRelaySync(room.id, WAIT_MS)).toBe(true)
    await until(() => expected.every(t => texts(ben, room.id).includes(t)), WAIT_MS, 'ben gets the whole history')
    ana = await open(anaStore)
    expect(await ana.waitForRelaySync(room.id, WAIT_MS)).toBe(true)

    // Idle again with both online; Ben's next message reaches a closed log: forwarded to Ana, stored by the relay.
    await until(() => metrics().chatsphere_relay_rooms_loaded === 0, WAIT_MS, 'idle rooms unloaded again')
    const live = await ben.send(room.id, 'live after the unload')
    await until(() => texts(ana, room.id).includes('live after the unload'), WAIT_MS, 'ana gets the live message')
    expect(await ben.waitForRelayHold(room.id, live.id, WAIT_MS)).toBe(true)
    await until(() => ids(ana, room.id).join() === ids(ben, room.id).join(), WAIT_MS, 'ana and ben hold the same history')
    const history = ids(ana, room.id)
    await close(ana)
    await close(ben)

    // Only the relay holds it now: a newcomer syncs from the (again unloaded) log and gets the same history.
    await until(() => metrics().chatsphere_relay_rooms_loaded === 0, WAIT_MS, 'unloaded before the newcomer')
    const cy = await open(memoryStorage())
    const info = await cy.joinRoom(room.invite)
    expect(await cy.waitForRelaySync(info.id, WAIT_MS)).toBe(true)
    await until(() => history.every(id => ids(cy, room.id).includes(id)), WAIT_MS, 'the newcomer gets the whole history')
    expect(ids(cy, room.id).filter(id => history.includes(id))).toEqual(history)
    expect(metrics().chatsphere_relay_rooms_loaded).toBeGreaterThanOrEqual(1)
  }, 120_000)
})
