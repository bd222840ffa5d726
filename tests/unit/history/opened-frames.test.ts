import { describe, it, expect } from 'vitest'
import * as Y from 'yjs'
import { openFrame } from '../../../src/envelope/open.ts'
import { BadSignatureError } from '../../../src/errors.ts'
import { FINGERPRINT_BYTES, OpenedFrames, frameFingerprint, loadOpenedFrames, saveOpenedFrames } from '../../../src/history/opened-frames.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { messageIdOf } from '../../../src/envelope/message-id.ts'
import { craftFrame } from '../envelope/craft.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf, hex } from './fixtures.ts'
import type { OpenedMessage } from '../../../src/envelope/types.ts'
import type { RoomKeys } from '../../../src/room/keys.ts'
import type { RoomLog } from '../../../src/history/room-log.ts'

/** Opens every frame of a log as the chat does, counting the full (signature-checking) opens. */
async function openAll (log: RoomLog, room: RoomKeys, cache: OpenedFrames): Promise<{ ok: OpenedMessage[], failed: number, full: number }> {
  const ok: OpenedMessage[] = []
  let failed = 0
  let full = 0
  for (const frame of log.frames()) {
    try {
      ok.push(await cache.open(frame, room, async () => { full++; return await openFrame(frame, room) }))
    } catch {
      failed++
    }
  }
  return { ok, failed, full }
}

/** A meta store in memory (the StorageBackend meta half). */
function metaStore (): { getMeta: (k: string) => Promise<Uint8Array | undefined>, setMeta: (k: string, v: Uint8Array) => Promise<void>, map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>()
  return { map, getMeta: async k => map.get(k), setMeta: async (k, v) => { map.set(k, v.slice()) } }
}

describe('opened-frames cache', () => {
  it('a cold open fully checks each frame once; the next cold open only decrypts, with identical results', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const records: Uint8Array[] = []
    const log = await openLog(room, memoryUpdateStore(records))
    for (let i = 0; i < 40; i++) await log.append(await frameOf(room, author, `m ${i}`))
    await log.close()

    const meta = metaStore()
    const c0 = await loadOpenedFrames(meta, room.roomIdText)
    expect(c0.size).toBe(0)
    const first = await openAll(await openLog(room, memoryUpdateStore(records)), room, c0)
    expect(first.full).toBe(40)
    await saveOpenedFrames(meta, room.roomIdText, c0)
    expect(meta.map.get(`opened-${room.roomIdText}`)?.length).toBe(16 + 40 * FINGERPRINT_BYTES)

    const again = await openAll(await openLog(room, memoryUpdateStore(records)), room, await loadOpenedFrames(meta, room.roomIdText))
    expect(again.full).toBe(0)
    expect(again.ok).toEqual(first.ok)
  })

  it('keeps rejecting a member\'s forgery on every open (failures are never cached)', async () => {
    const room = makeRoom()
    const alice = createIdentity()
    const bob = createIdentity()
    const log = await openLog(room)
    const honest = await craftFrame({ identity: alice, room, seq: 1 })
    // Valid room write signature (the guard admits it), author signature by someone else.
    const impersonation = await craftFrame({ identity: alice, signer: bob, room, seq: 2 })
    // Same message id as the honest frame, other bytes.
    const squat = await craftFrame({ identity: bob, room, id: messageIdOf(room, alice.publicKey, 0, 3), seq: 3 })
    for (const f of [honest, impersonation, squat]) await log.append(f)
    const cache = new OpenedFrames()
    for (let round = 0; round < 3; round++) {
      const r = await openAll(log, room, new OpenedFrames(cache.encode()))
      expect(r.ok.map(m => m.seq)).toEqual([1])
      expect(r.failed).toBe(2)
      // Only the honest frame is skipped once known; the forgeries are checked in full each time.
      expect(r.full).toBe(round === 0 ? 3 : 2)
      if (round === 0) for (const f of [honest, impersonation, squat]) await cache.open(f, room, async () => await openFrame(f, room)).catch(() => {})
    }
    expect(cache.has(impersonation)).toBe(false)
    await expect(cache.open(impersonation, room, async () => await openFrame(impersonation, room))).rejects.toThrow(BadSignatureError)
  })

  it('is keyed by the frame bytes, not by position: a sync that inserts older frames in the middle changes nothing', async () => {
    const room = makeRoom()
    const a = makeAuthor()
    const b = makeAuthor()
    const storeA: Uint8Array[] = []
    const logA = await openLog(room, memoryUpdateStore(storeA))
    const logB = await openLog(room)
    for (let i = 0; i < 10; i++) await logB.append(await frameOf(room, b, `b ${i}`))
    for (let i = 0; i < 10; i++) await logA.append(await frameOf(room, a, `a ${i}`))
    const cache = new OpenedFrames()
    const before = await openAll(logA, room, cache)
    expect(before.full).toBe(10)
    const positions = idsOf(logA)
    // B's older frames arrive by sync; depending on Yjs client ids they land before or after A's.
    for (const u of logB.missingFor(logA.stateVector())) await logA.applyRemote(u)
    expect(logA.length).toBe(20)
    const after = await openAll(logA, room, new OpenedFrames(cache.encode()))
    expect(after.full).toBe(10) // exactly B's frames, wherever they landed
    expect(after.failed).toBe(0)
    expect(after.ok.map(m => m.idText).filter(id => positions.includes(id)).sort()).toEqual([...positions].sort())
    // Every message still opens to what a full check gives.
    for (const frame of logA.frames()) expect(await cache.open(frame, room, async () => await openFrame(frame, room))).toEqual(await openFrame(frame, room))
  })

  it('a duplicate insert of the same bytes (another Yjs id) is known; a re-sealed copy with the same id is not', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const frame = await frameOf(room, author, 'once')
    const cache = new OpenedFrames()
    await cache.open(frame, room, async () => await openFrame(frame, room))
    const doc = new Y.Doc()
    doc.getArray<Uint8Array>('log').push([frame.slice()])
    const copy = doc.getArray<Uint8Array>('log').get(0)
    expect(cache.has(copy)).toBe(true)
    author.seq -= 1
    const resealed = await frameOf(room, author, 'once')
    expect(hex(resealed.subarray(6, 22))).toBe(hex(frame.subarray(6, 22)))
    expect(cache.has(resealed)).toBe(false)
  })

  it('treats a damaged, foreign, unsorted or oversized record as empty, and never grows past its bound', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const cache = new OpenedFrames()
    for (let i = 0; i < 5; i++) cache.add(await frameOf(room, author, `x ${i}`))
    const good = cache.encode()
    expect(new OpenedFrames(good).size).toBe(5)
    const flipped = good.slice(); flipped[good.length - 1] = (flipped[good.length - 1] as number) ^ 1
    const short = good.subarray(0, good.length - 1)
    const foreign = good.slice(); foreign[0] = 0
    const count = good.slice(); new DataView(count.buffer).setUint32(8, 0xffff_ffff)
    const unsorted = good.slice()
    unsorted.copyWithin(16, 16 + 16, 16 + 32) // first entry = second: not strictly sorted; fix the CRC so only order is wrong
    const { crc32 } = await import('../../../src/storage/crc32.ts')
    new DataView(unsorted.buffer).setUint32(12, crc32(unsorted.subarray(16)))
    for (const bad of [flipped, short, foreign, count, unsorted, new Uint8Array(3), undefined]) expect(new OpenedFrames(bad).size).toBe(0)
    expect(frameFingerprint(new Uint8Array(10))).toBeUndefined()
  })
})
