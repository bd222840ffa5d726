import { describe, it, expect } from 'vitest'
import * as Y from 'yjs'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { LOCAL_ORIGIN } from '../../../src/history/room-log.ts'
import { parseLogUpdate } from '../../../src/history/update-codec.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf, hex } from './fixtures.ts'
import type { RoomLog } from '../../../src/history/room-log.ts'
import type { UpdateStore } from '../../../src/history/types.ts'

/** Deterministic PRNG so a failing partition schedule can be replayed from its seed. */
function prng (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
}

async function syncPair (a: RoomLog, b: RoomLog): Promise<void> {
  for (const u of a.missingFor(b.stateVector())) await b.applyRemote(u)
  for (const u of b.missingFor(a.stateVector())) await a.applyRemote(u)
}

describe('room log', () => {
  const room = makeRoom()

  it('append persists before it resolves and returns the single-insert update', async () => {
    const author = makeAuthor()
    const frame = await frameOf(room, author)
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const inner = memoryUpdateStore()
    const slow: UpdateStore = { ...inner, append: async (u) => { await gate; await inner.append(u) } }
    const log = await openLog(room, slow)
    let resolved = false
    const p = log.append(frame).then(u => { resolved = true; return u })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(resolved).toBe(false)
    release()
    const update = await p
    expect(inner.records.length).toBe(1)
    const parsed = parseLogUpdate(update)
    expect(parsed.items.length).toBe(1)
    expect(parsed.items[0]?.frame).toEqual(frame)
    await log.close()
  })

  it('a remote log accepts the published update; frames survive a reopen', async () => {
    const author = makeAuthor()
    const storeA = memoryUpdateStore()
    const a = await openLog(room, storeA)
    const b = await openLog(room)
    const seen: Array<[number, unknown]> = []
    a.onFrames((f, origin) => seen.push([f.length, origin]))
    b.onFrames((f, origin) => seen.push([f.length, origin]))
    for (let i = 0; i < 5; i++) {
      const u = await a.append(await frameOf(room, author, `m${i}`))
      expect((await b.applyRemote(u, 'net')).length).toBe(1)
    }
    expect(idsOf(b)).toEqual(idsOf(a))
    expect(seen.filter(([, o]) => o === LOCAL_ORIGIN).length).toBe(5)
    expect(seen.filter(([, o]) => o === 'net').length).toBe(5)
    // Re-delivery of the same update changes nothing and is not stored again.
    expect(await b.applyRemote(a.missingFor(new Uint8Array([0]))[0] as Uint8Array)).toEqual([])
    await a.close()
    const again = await openLog(room, memoryUpdateStore(storeA.records))
    expect(idsOf(again)).toEqual(idsOf(b))
    await again.close(); await b.close()
  })

  it('shows a frame once even when it arrives under two inserts (first in log order wins)', async () => {
    const author = makeAuthor()
    const f = await frameOf(room, author, 'dup')
    const a = await openLog(room)
    const b = await openLog(room)
    await a.append(f)
    await b.append(await frameOf(room, author, 'other'))
    await b.append(f)
    await syncPair(a, b)
    expect(a.rawLength).toBe(3)
    expect(a.length).toBe(2)
    expect(idsOf(a)).toEqual(idsOf(b))
    expect(a.has(f.subarray(6, 22))).toBe(true)
    await a.close(); await b.close()
  })

  it('missingFor sends only what the other lacks, in chunks under the limit', async () => {
    const author = makeAuthor()
    const a = await openLog(room)
    for (let i = 0; i < 200; i++) await a.append(await frameOf(room, author, 'x'.repeat(100)))
    const chunks = a.missingFor(new Uint8Array([0]), 4096)
    expect(chunks.length).toBeGreaterThan(5)
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(4096)
    const b = await openLog(room)
    // Apply half, "disconnect", then resume: only the rest is sent.
    for (const c of chunks.slice(0, 3)) await b.applyRemote(c)
    const rest = a.missingFor(b.stateVector(), 4096)
    expect(rest.length).toBe(chunks.length - 3)
    for (const c of rest) await b.applyRemote(c)
    expect(idsOf(b)).toEqual(idsOf(a))
    expect(a.missingFor(b.stateVector())).toEqual([])
    await a.close(); await b.close()
  })

  it('bounds the pending store: frames at unreachable clocks are dropped past the limit, real ones still arrive', async () => {
    const author = makeAuthor()
    const { openRoomLog } = await import('../../../src/history/room-log.ts')
    const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey, maxPendingBytes: 4096 })
    const frame = await frameOf(room, author, 'replayed')
    // A valid frame placed at clock 1000 of some client: it waits forever for clocks 0..999.
    const { encodeLogUpdate } = await import('../../../src/history/update-codec.ts')
    for (let i = 0; i < 20; i++) {
      await log.applyRemote(encodeLogUpdate([{ client: 4242 + i, items: [{ client: 4242 + i, clock: 1000, origin: null, rightOrigin: null, frame }] }]))
    }
    expect(log.length).toBe(0)
    const src = await openLog(room)
    await src.append(await frameOf(room, author, 'real'))
    for (const u of src.missingFor(log.stateVector())) await log.applyRemote(u)
    expect(log.length).toBe(1)
    await log.close(); await src.close()
  })

  it('lacksAfter: a catch-up for waiting items or dropped ones, not for a re-delivery of frames it holds', async () => {
    const author = makeAuthor()
    const { openRoomLog } = await import('../../../src/history/room-log.ts')
    const { encodeLogUpdate } = await import('../../../src/history/update-codec.ts')
    const src = await openLog(room)
    const u1 = await src.append(await frameOf(room, author, 'one'))
    const u2 = await src.append(await frameOf(room, author, 'two'))
    const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey, maxPendingBytes: 4096 })
    // The second insert before the first: it waits for its predecessor.
    expect(await log.applyRemote(u2)).toEqual([])
    expect(log.lacksAfter(u2)).toBe(true)
    expect((await log.applyRemote(u1)).length).toBe(2)
    // Both again (a sync brought them before their gossip copies): nothing is missing.
    expect(await log.applyRemote(u1)).toEqual([])
    expect(log.lacksAfter(u1)).toBe(false)
    expect(await log.applyRemote(u2)).toEqual([])
    expect(log.lacksAfter(u2)).toBe(false)
    // Items dropped at once from a pending store over its bound: nothing waits, yet their frame is not held.
    const tiny = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey, maxPendingBytes: 1 })
    const lost = encodeLogUpdate([{ client: 777, items: [{ client: 777, clock: 1000, origin: null, rightOrigin: null, frame: await frameOf(room, author, 'far') }] }])
    expect(await tiny.applyRemote(lost)).toEqual([])
    expect(tiny.lacksAfter(lost)).toBe(true)
    await log.close(); await tiny.close(); await src.close()
  })

  it('rejects a malformed state vector', async () => {
    const a = await openLog(room)
    expect(() => a.missingFor(Uint8Array.of(0xff, 0xff, 0xff, 0x7f))).toThrow()
    expect(() => a.missingFor(Uint8Array.of(1, 1))).toThrow()
    await a.close()
  })

  it('compacts on open after many records and keeps everything', async () => {
    const author = makeAuthor()
    const store = memoryUpdateStore()
    const a = await openLog(room, store)
    for (let i = 0; i < 30; i++) await a.append(await frameOf(room, author, `c${i}`))
    const ids = idsOf(a)
    await a.close()
    const { openRoomLog } = await import('../../../src/history/room-log.ts')
    const b = await openRoomLog({ store: memoryUpdateStore(store.records), roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: 10 })
    expect(idsOf(b)).toEqual(ids)
    await b.close() // the compaction runs after the open returns; close waits for it
    expect(store.records.length).toBe(1)
  })

  it('offers the last frames from the tail cache before loading', async () => {
    const author = makeAuthor()
    const store = memoryUpdateStore()
    const a = await openLog(room, store)
    for (let i = 0; i < 120; i++) await a.append(await frameOf(room, author, `tail${i}`))
    const last = a.frames(-100).map(hex)
    await a.close()
    const { openRoomLog } = await import('../../../src/history/room-log.ts')
    let tail: string[] = []
    let loadedWhenCalled = true
    const reopened = memoryUpdateStore(store.records)
    await reopened.writeTail?.((await store.readTail?.()) ?? [])
    const b = await openRoomLog({ store: reopened, roomId: room.roomId, writePublicKey: room.writePublicKey, onTail: f => { tail = f.map(hex); loadedWhenCalled = reopened.records.length === 0 } })
    expect(tail).toEqual(last)
    expect(loadedWhenCalled).toBe(false)
    await b.close()
  })

  it('frames(from, to) reads the tail without touching the rest', async () => {
    const author = makeAuthor()
    const a = await openLog(room)
    const frames = []
    for (let i = 0; i < 20; i++) { const f = await frameOf(room, author, `t${i}`); frames.push(f); await a.append(f) }
    expect(a.frames(-5).map(hex)).toEqual(frames.slice(-5).map(hex))
    expect(a.frames(3, 6).map(hex)).toEqual(frames.slice(3, 6).map(hex))
    await a.close()
  })

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`three peers partitioned and healed in random orders converge; a late joiner gets everything (seed ${seed})`, async () => {
      const rand = prng(seed)
      const peers = [await openLog(room), await openLog(room), await openLog(room)]
      const authors = [makeAuthor(), makeAuthor(), makeAuthor()]
      // connected[i][j]: live updates flow between i and j.
      const connected = [[true, true, true], [true, true, true], [true, true, true]]
      const inflight: Array<{ to: number, update: Uint8Array }> = []
      for (let step = 0; step < 120; step++) {
        const r = rand()
        if (r < 0.1) {
          const i = Math.floor(rand() * 3); const j = (i + 1 + Math.floor(rand() * 2)) % 3
          const row = connected[i] as boolean[]; const col = connected[j] as boolean[]
          row[j] = col[i] = !row[j]
          if (row[j] === true) await syncPair(peers[i] as RoomLog, peers[j] as RoomLog) // heal: catch-up sync
        } else if (r < 0.7) {
          const i = Math.floor(rand() * 3)
          const u = await (peers[i] as RoomLog).append(await frameOf(room, authors[i] as never, `p${i}s${step}`))
          for (let j = 0; j < 3; j++) if (j !== i && (connected[i] as boolean[])[j] === true) inflight.push({ to: j, update: u })
        } else if (inflight.length > 0) {
          // Deliver a random in-flight update (out of order delivery), sometimes twice.
          const k = Math.floor(rand() * inflight.length)
          const m = inflight[k] as { to: number, update: Uint8Array }
          if (rand() < 0.8) inflight.splice(k, 1)
          await (peers[m.to] as RoomLog).applyRemote(m.update)
        }
      }
      for (const m of inflight) await (peers[m.to] as RoomLog).applyRemote(m.update)
      // Heal everything in a random order.
      const pairs: Array<[number, number]> = [[0, 1], [1, 2], [0, 2]]
      pairs.sort(() => rand() - 0.5)
      for (const [i, j] of pairs) await syncPair(peers[i] as RoomLog, peers[j] as RoomLog)
      for (const [i, j] of pairs) await syncPair(peers[i] as RoomLog, peers[j] as RoomLog)
      const ids0 = idsOf(peers[0] as RoomLog)
      const total = authors.reduce((n, a) => n + a.seq, 0)
      expect(ids0.length).toBe(total)
      expect(idsOf(peers[1] as RoomLog)).toEqual(ids0)
      expect(idsOf(peers[2] as RoomLog)).toEqual(ids0)
      const late = await openLog(room)
      await syncPair(peers[Math.floor(rand() * 3)] as RoomLog, late)
      expect(idsOf(late)).toEqual(ids0)
      // Byte-identical Yjs state too.
      const docOf = (l: RoomLog) => { const d = new Y.Doc(); for (const u of l.missingFor(new Uint8Array([0]))) Y.applyUpdate(d, u); return d.getArray('log').toArray().map(x => hex(x as Uint8Array)) }
      expect(docOf(late)).toEqual(docOf(peers[0] as RoomLog))
      for (const p of [...peers, late]) await p.close()
    })
  }
})
