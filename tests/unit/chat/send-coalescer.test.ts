import { describe, it, expect } from 'vitest'
import { SendCoalescer } from '../../../src/chat/send-coalescer.ts'
import { parseLogUpdate } from '../../../src/history/update-codec.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { durableStore } from '../../../src/chat/durable-store.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf, hex } from '../history/fixtures.ts'

/** A coalescer over a real room log and store; `publish` records the updates and resolves when told to. */
async function setup (opts: { maxFrames?: number, maxBytes?: number, maxWaitMs?: number } = {}) {
  const room = makeRoom()
  const store = durableStore(memoryUpdateStore(), () => {})
  const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey })
  const published: Uint8Array[] = []
  const releases: Array<() => void> = []
  const coalescer = new SendCoalescer({
    append: async (frames) => await log.appendMany(frames),
    durable: async (update) => await store.durable(update),
    publish: async (update) => {
      published.push(update)
      await new Promise<void>(resolve => releases.push(resolve))
      return true
    },
    ...opts
  })
  const releaseAll = async (): Promise<void> => {
    while (true) {
      await new Promise(resolve => setTimeout(resolve, 5))
      const r = releases.splice(0)
      if (r.length === 0) return
      for (const f of r) f()
    }
  }
  return { room, log, published, releases, coalescer, releaseAll }
}

describe('send coalescer', () => {
  it('sends a lone message at once, alone', async () => {
    const { room, published, coalescer, releases } = await setup()
    const frame = await frameOf(room, makeAuthor(), 'alone')
    const sent = coalescer.send(frame)
    const s = await sent
    expect(published).toHaveLength(1)
    expect(parseLogUpdate(s.update).items.map(i => hex(i.frame))).toEqual([hex(frame)])
    await s.durable
    releases.shift()?.()
    expect(await s.published).toBe(true)
  })

  it('sends messages sealed while a publish is under way as one update, in order, each frame intact', async () => {
    const { room, log, published, coalescer, releaseAll } = await setup()
    const author = makeAuthor()
    const frames = await Promise.all(Array.from({ length: 6 }, async (_, i) => await frameOf(room, author, `m${i}`)))
    const sends = frames.map(f => coalescer.send(f))
    await releaseAll()
    const results = await Promise.all(sends)
    for (const r of results) await r.durable
    // The first went alone; the five queued behind its publish went together.
    expect(published).toHaveLength(2)
    expect(parseLogUpdate(published[0] as Uint8Array).items).toHaveLength(1)
    expect(parseLogUpdate(published[1] as Uint8Array).items.map(i => hex(i.frame))).toEqual(frames.slice(1).map(hex))
    expect(results.slice(1).every(r => r.update === published[1])).toBe(true)
    expect(coalescer.stats).toEqual({ updates: 2, frames: 6 })
    // A receiver applying the two updates holds the same log as the sender.
    const other = await openLog(room)
    for (const u of published) expect(await other.applyRemote(u, 'net')).toHaveLength(u === published[0] ? 1 : 5)
    expect(idsOf(other)).toEqual(idsOf(log))
  })

  it('keeps each update within its frame and byte bounds', async () => {
    const { room, published, coalescer, releaseAll } = await setup({ maxFrames: 3 })
    const author = makeAuthor()
    const frames = await Promise.all(Array.from({ length: 8 }, async (_, i) => await frameOf(room, author, `m${i}`)))
    const sends = frames.map(f => coalescer.send(f))
    await releaseAll()
    await Promise.all(sends)
    expect(published.map(u => parseLogUpdate(u).items.length)).toEqual([1, 3, 3, 1])

    const small = await setup({ maxBytes: 1 })
    const more = await Promise.all(Array.from({ length: 3 }, async (_, i) => await frameOf(small.room, author, `x${i}`)))
    const s2 = more.map(f => small.coalescer.send(f))
    await small.releaseAll()
    await Promise.all(s2)
    // Each frame is over the byte bound, so each goes alone (never refused for its size here).
    expect(small.published.map(u => parseLogUpdate(u).items.length)).toEqual([1, 1, 1])
  })

  it('does not hold later messages behind a publish that never settles', async () => {
    const { room, published, coalescer } = await setup({ maxWaitMs: 50 })
    const author = makeAuthor()
    const first = await coalescer.send(await frameOf(room, author, 'stuck'))
    const second = await coalescer.send(await frameOf(room, author, 'next'))
    // Nobody releases the first publish: the second still went out (on its own update) once the bound passed.
    expect(published).toHaveLength(2)
    expect(second.update).not.toBe(first.update)
    await second.durable
  })

  it('offers handedOff while a batch is appended, resolved once its publish settles', async () => {
    const { room, log, published, releases, coalescer } = await setup()
    const frame = await frameOf(room, makeAuthor(), 'first out')
    expect(coalescer.handedOff).toBeUndefined()
    const seen: Array<Promise<void> | undefined> = []
    // The log's frame listeners run inside the append: what the chat's listener sees there.
    log.onFrames(() => { seen.push(coalescer.handedOff) })
    const sent = await coalescer.send(frame)
    expect(coalescer.handedOff).toBeUndefined()
    const gate = seen[0]
    expect(gate).toBeDefined()
    let passed = false
    void gate?.then(() => { passed = true })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(published).toHaveLength(1)
    expect(passed).toBe(false)
    releases.shift()?.()
    await gate
    expect(await sent.published).toBe(true)
  })

  it('resolves handedOff of a batch the log refused', async () => {
    const { coalescer } = await setup()
    const bad = coalescer.send(new Uint8Array(3)).then(() => undefined, (err: Error) => err)
    const gate = coalescer.handedOff
    expect(gate).toBeDefined()
    expect((await bad)?.name).toBe('InvalidArgumentError')
    await gate
  })

  it('resolves handedOff even when handing the update to the network throws at once', async () => {
    const room = makeRoom()
    const store = durableStore(memoryUpdateStore(), () => {})
    const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey })
    const coalescer = new SendCoalescer({
      append: async (frames) => await log.appendMany(frames),
      durable: async (update) => await store.durable(update),
      publish: () => { throw new Error('no network') }
    })
    const gates: Array<Promise<void> | undefined> = []
    log.onFrames(() => { gates.push(coalescer.handedOff) })
    const sent = await coalescer.send(await frameOf(room, makeAuthor(), 'into the void'))
    expect(await sent.published.then(() => 'published', (err: Error) => err.message)).toBe('no network')
    // The store's writes of our own frames wait on this gate: left pending, no later message would ever be saved.
    await gates[0]
    await sent.durable
  })

  it('rejects every message of a batch the log refused, and goes on with the next', async () => {
    const { room, published, coalescer, releaseAll } = await setup()
    const author = makeAuthor()
    const first = coalescer.send(await frameOf(room, author, 'first'))
    const bad = coalescer.send(new Uint8Array(3)).then(() => undefined, (err: Error) => err)
    const worse = coalescer.send(new Uint8Array(3)).then(() => undefined, (err: Error) => err)
    await releaseAll()
    await first
    expect((await bad)?.name).toBe('InvalidArgumentError')
    expect((await worse)?.name).toBe('InvalidArgumentError')
    const later = coalescer.send(await frameOf(room, author, 'later'))
    await releaseAll()
    await (await later).durable
    expect(published).toHaveLength(2)
  })
})
