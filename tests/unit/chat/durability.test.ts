/**
 * When a message counts as sent and when a received one is shown, against a store whose writes can be held:
 * our own message is reported sent only once its write completed (it is published meanwhile); a received message is
 * announced once the guard and openFrame accepted it, before its write starts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { durableStore } from '../../../src/chat/durable-store.ts'
import { createChat } from '../../../src/index.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { gatedStorage } from './support/gated-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { UpdateStore } from '../../../src/history/types.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

describe('durableStore', () => {
  it('lets the log go on at once, tells when an update is durable, and reports failed writes', async () => {
    let finish: () => void = () => {}
    const inner: UpdateStore = { ...memoryUpdateStore([]), append: async () => { await new Promise<void>(resolve => { finish = resolve }) } }
    const errors: unknown[] = []
    const store = durableStore(inner, (err) => errors.push(err))
    const u = new Uint8Array([1, 2, 3])
    await store.append(u)
    let durable = false
    const d = store.durable(u).then(() => { durable = true })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(durable).toBe(false)
    finish()
    await d
    expect(durable).toBe(true)
    await store.durable(new Uint8Array([9]))

    const failing = durableStore({ ...memoryUpdateStore([]), append: async () => { throw new Error('disk full') } }, (err) => errors.push(err))
    const v = new Uint8Array([4])
    await failing.append(v)
    await expect(failing.durable(v)).rejects.toThrow('disk full')
    expect(errors).toHaveLength(1)
  })
  it('closes only after every write it was given has settled, held or already in flight', async () => {
    const finishes: Array<() => void> = []
    let innerClosed = false
    const inner: UpdateStore = {
      ...memoryUpdateStore([]),
      append: async () => { await new Promise<void>(resolve => { finishes.push(resolve) }) },
      close: async () => { innerClosed = true }
    }
    let release: () => void = () => {}
    const held = new Promise<void>(resolve => { release = resolve })
    let holding = false
    const store = durableStore(inner, () => {}, () => holding ? held : undefined)
    await store.append(new Uint8Array([1]))
    holding = true
    await store.append(new Uint8Array([2]))
    let closed = false
    const closing = store.close().then(() => { closed = true })
    release()
    await until(() => finishes.length === 2)
    // Both writes are in flight (the first was never held): the store must not close under them.
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(closed).toBe(false)
    expect(innerClosed).toBe(false)
    for (const f of finishes) f()
    await closing
    expect(innerClosed).toBe(true)
  })
})

describe('send and receive against held writes', () => {
  let dir: string
  let relay: Relay
  let ana: Chat
  let ben: Chat
  const anaStorage = gatedStorage()
  const benStorage = gatedStorage()
  let roomId: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-durable-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
    ana = await createChat({ storage: anaStorage, relays: [relay.url], displayName: 'Ana', ...NET })
    ben = await createChat({ storage: benStorage, relays: [relay.url], displayName: 'Ben', ...NET })
    expect(await ana.waitForRelay(10_000)).toBe(true)
    expect(await ben.waitForRelay(10_000)).toBe(true)
    const room = await ana.createRoom('durable')
    roomId = room.id
    await ben.joinRoom(room.invite)
    expect(await ana.waitForRelaySync(roomId, 10_000)).toBe(true)
    expect(await ben.waitForRelaySync(roomId, 10_000)).toBe(true)
  }, 60_000)

  afterAll(async () => {
    anaStorage.release()
    benStorage.release()
    await ana?.close()
    await ben?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('reports sent only after the write, while the message already travels', async () => {
    const got = new Promise<string>(resolve => {
      ben.addEventListener('message', (e) => { for (const m of e.detail.messages) if (m.text === 'held') resolve(m.id) })
    })
    anaStorage.hold()
    let sent = false
    const sending = ana.send(roomId, 'held').then((r) => { sent = true; return r })
    // Ben gets it although Ana's write has not completed: the frame was published while its write is pending.
    const id = await got
    expect(anaStorage.held()).toBeGreaterThan(0)
    expect(sent).toBe(false)
    // The UI shows a delivery state as "saved": none may exist while the write can still be lost by a crash.
    expect(ana.messages(roomId).some(m => m.id === id)).toBe(true)
    expect(ana.delivery(roomId, id)).toBeUndefined()
    const announced = new Promise<unknown>(resolve => {
      ana.addEventListener('delivery', (e) => { if (e.detail.id === id) resolve(e.detail.delivery) })
    })
    const before = anaStorage.stored()
    anaStorage.release()
    const res = await sending
    expect(res.id).toBe(id)
    expect(anaStorage.stored()).toBeGreaterThan(before)
    expect(await announced).toBeDefined()
    expect(ana.delivery(roomId, id)).toBeDefined()
  }, 30_000)

  it('announces a received message before its write completes, and stores it after', async () => {
    benStorage.hold()
    const got = new Promise<void>(resolve => {
      ben.addEventListener('message', (e) => { if (e.detail.messages.some(m => m.text === 'shown first')) resolve() })
    })
    await ana.send(roomId, 'shown first')
    await got
    // Shown first: its write starts only after the announcement (a task later, after a page has rendered it), and
    // the store holds it.
    expect(ben.messages(roomId).some(m => m.text === 'shown first')).toBe(true)
    await until(() => benStorage.held() > 0)
    const before = benStorage.stored()
    benStorage.release()
    await until(() => benStorage.stored() > before)
  }, 30_000)

  it('keeps the read model up to date without refolding: same views as a full fold of the stored log', async () => {
    const strip = (views: ReturnType<Chat['messages']>): unknown[] => views.map(v => ({ ...v }))
    const waitFor = async (text: string): Promise<void> => { await until(() => ben.messages(roomId).some(m => m.text === text)) }
    ben.messages(roomId)
    const first = await ana.send(roomId, 'one')
    await ana.send(roomId, 'two', { replyTo: first.id })
    await waitFor('two')
    await ana.react(roomId, first.id, '👍')
    await until(() => (ben.messages(roomId).find(m => m.id === first.id)?.reactions['👍']?.length ?? 0) === 1)
    for (const t of ['three', 'four', 'five']) await ana.send(roomId, t)
    await waitFor('five')
    const live = strip(ben.messages(roomId))
    const gaps = ben.gaps(roomId)
    expect(live.map(v => (v as { index: number }).index)).toEqual(live.map((_, i) => i))
    // A second chat on Ben's storage, offline: it folds the stored log from scratch. Ben closes first: a received
    // update's write starts a task after it is shown, so only a close (which waits for every write) says all are in.
    await ben.close()
    const fresh = await createChat({ storage: benStorage, offline: true, createIdentity: false })
    try {
      expect(strip(fresh.messages(roomId))).toEqual(live)
      expect(fresh.gaps(roomId)).toEqual(gaps)
    } finally {
      await fresh.close()
    }
  }, 30_000)
})
