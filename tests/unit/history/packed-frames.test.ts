import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { randomBytes } from 'node:crypto'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { HISTORY_LOG_NAME } from '../../../src/constants.ts'
import { IdSet } from '../../../src/history/id-set.ts'
import { applyStoredUpdate, packFrames, PackedBinary } from '../../../src/history/packed-frames.ts'
import { frameOf, hex, idsOf, makeAuthor, makeRoom, openLog } from './fixtures.ts'

describe('IdSet', () => {
  it('answers like a Set of hex strings through growth, at any offset', () => {
    const set = new IdSet()
    const ref = new Set<string>()
    const ids = Array.from({ length: 3000 }, () => randomBytes(16))
    for (const [i, id] of ids.entries()) {
      const framed = new Uint8Array(40)
      framed.set(id, 6)
      expect(set.add(framed, 6)).toBe(!ref.has(hex(id)))
      ref.add(hex(id))
      if (i % 7 === 0) expect(set.add(id)).toBe(false)
    }
    expect(set.size).toBe(ref.size)
    for (const id of ids) expect(set.has(id)).toBe(true)
    for (let i = 0; i < 1000; i++) expect(set.has(randomBytes(16))).toBe(false)
    // Ids that differ in one byte only are told apart.
    const a = new Uint8Array(16)
    const b = Uint8Array.from(a, (x, j) => j === 15 ? 1 : x)
    const s2 = new IdSet()
    expect(s2.add(a)).toBe(true)
    expect(s2.has(b)).toBe(false)
    expect(s2.add(b)).toBe(true)
  })
})

describe('packed frames (one buffer for a loaded room)', () => {
  it('a reopened log packs its frames and reads, encodes and syncs exactly the same bytes', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const store = memoryUpdateStore()
    const log = await openLog(room, store)
    const frames: Uint8Array[] = []
    for (let i = 0; i < 40; i++) { const f = await frameOf(room, author, `m${i}`); frames.push(f); await log.append(f) }
    const before = log.missingFor(new Uint8Array([0]), 1 << 30)
    await log.close()

    const reopened = await openLog(room, memoryUpdateStore(store.records))
    const early = reopened.frames(-1)[0]
    // Packing runs right after the open returns.
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(hex(early as Uint8Array)).toBe(hex(frames.at(-1) as Uint8Array))
    expect(reopened.frames().map(hex)).toEqual(frames.map(hex))
    expect(reopened.frames(-3).map(hex)).toEqual(frames.slice(-3).map(hex))
    for (const f of frames) expect(reopened.has(f.subarray(6, 22))).toBe(true)
    expect(reopened.has(randomBytes(16))).toBe(false)
    expect(reopened.has(new Uint8Array(3))).toBe(false)
    // The snapshot encodes the same bytes as the doc had before packing.
    expect(reopened.missingFor(new Uint8Array([0]), 1 << 30).map(hex)).toEqual(before.map(hex))
    expect(reopened.frames().every(f => f.buffer === reopened.frames(0, 1)[0]?.buffer)).toBe(true)
    // Appends after the load (unpacked items) mix with packed ones; a fresh peer syncs everything.
    const more = await frameOf(room, author, 'after')
    await reopened.append(more)
    const peer = await openLog(room)
    for (const u of reopened.missingFor(peer.stateVector(), 2048)) await peer.applyRemote(u)
    expect(idsOf(peer)).toEqual(idsOf(reopened))
    expect(peer.frames().map(hex)).toEqual([...frames, more].map(hex))
    await reopened.close(); await peer.close()
  })

  it('a room loaded from one snapshot keeps its frames in the snapshot\'s buffer (no copy) and reads the same bytes', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const log = await openLog(room)
    const frames: Uint8Array[] = []
    for (let i = 0; i < 100; i++) { const f = await frameOf(room, author, `s${i}`); frames.push(f); await log.append(f) }
    const snapshot = log.missingFor(new Uint8Array([0]), 1 << 30)[0] as Uint8Array
    await log.close()
    // The store hands the load a buffer of its own (a file read); the record is kept as the frames' arena.
    const record = snapshot.slice()
    const reopened = await openLog(room, { load: async () => [record], append: async () => {}, compact: async () => {}, close: async () => {} })
    expect(reopened.frames().every(f => f.buffer === record.buffer)).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(reopened.frames().every(f => f.buffer === record.buffer)).toBe(true)
    expect(reopened.frames().map(hex)).toEqual(frames.map(hex))
    expect(reopened.missingFor(new Uint8Array([0]), 1 << 30).map(hex)).toEqual([hex(snapshot)])
    // Same doc as the stock decoder builds.
    const a = new Y.Doc()
    const b = new Y.Doc()
    Y.applyUpdate(a, snapshot)
    applyStoredUpdate(b, snapshot.slice(), null)
    expect(hex(Y.encodeStateAsUpdate(b))).toBe(hex(Y.encodeStateAsUpdate(a)))
    await reopened.close()
  })

  it('packFrames keeps contents as ContentBinary to Yjs, read-only, with copies that stay packed', () => {
    const doc = new Y.Doc()
    const arr = doc.getArray<Uint8Array>(HISTORY_LOG_NAME)
    const payloads = [Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(9)]
    arr.push(payloads)
    expect(packFrames(arr)).toBe(3)
    expect(packFrames(arr)).toBe(0)
    expect(arr.toArray().map(hex)).toEqual(payloads.map(hex))
    const item = arr._start as Y.Item
    expect(item.content).toBeInstanceOf(Y.ContentBinary)
    expect(item.content).toBeInstanceOf(PackedBinary)
    expect(() => { (item.content as Y.ContentBinary).content = Uint8Array.of(7) }).toThrow(TypeError)
    expect(hex((item.content.copy() as Y.ContentBinary).content)).toBe(hex(payloads[0] as Uint8Array))
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    expect(other.getArray<Uint8Array>(HISTORY_LOG_NAME).toArray().map(hex)).toEqual(payloads.map(hex))
  })
})
