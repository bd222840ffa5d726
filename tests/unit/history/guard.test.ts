import { describe, it, expect } from 'vitest'
import * as Y from 'yjs'
import fc from 'fast-check'
import { createUpdateGuard } from '../../../src/history/guard.ts'
import { roomFrameVerifier } from '../../../src/history/room-log.ts'
import { parseLogUpdate, encodeLogUpdate } from '../../../src/history/update-codec.ts'
import { MAX_FRAME_BYTES } from '../../../src/constants.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf } from './fixtures.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'

function updateOf (build: (doc: Y.Doc) => void, start?: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc()
  start?.(doc)
  const sv = Y.encodeStateVector(doc)
  build(doc)
  return Y.encodeStateAsUpdate(doc, sv)
}

describe('history guard', async () => {
  const room = makeRoom()
  const author = makeAuthor()
  const frame = await frameOf(room, author, 'honest')
  const guard = () => createUpdateGuard({ verifyFrame: roomFrameVerifier(room.writePublicKey, room.roomId) })

  it('accepts what honest Yjs produces for pushes of frames (single and batched)', async () => {
    const g = guard()
    const f2 = await frameOf(room, author, 'two')
    const single = updateOf(d => d.getArray('log').push([frame]))
    const batch = updateOf(d => { d.getArray('log').push([frame]); d.getArray('log').push([f2]) })
    expect((await g.check(single)).items.length).toBe(1)
    expect((await g.check(batch)).items.map(i => i.frame)).toEqual([frame, f2])
  })

  it('accepts Skip structs from merged non-contiguous updates', async () => {
    const doc = new Y.Doc()
    const ups: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => ups.push(u))
    for (let i = 0; i < 3; i++) doc.getArray('log').push([frame])
    const merged = Y.mergeUpdates([ups[0] as Uint8Array, ups[2] as Uint8Array])
    const parsed = await guard().check(merged)
    expect(parsed.skips.length).toBe(1)
    expect(parsed.items.length).toBe(2)
  })

  it('round-trips its own encoder through the parser and Yjs', async () => {
    const doc = new Y.Doc()
    doc.getArray('log').push([frame])
    const parsed = parseLogUpdate(Y.encodeStateAsUpdate(doc))
    const again = encodeLogUpdate([{ client: doc.clientID, items: parsed.items }])
    const other = new Y.Doc()
    Y.applyUpdate(other, again)
    expect(other.getArray('log').toArray()).toEqual([frame])
  })

  const hostile: Array<[string, string, () => Uint8Array]> = [
    ['a delete', 'delete-set', () => updateOf(d => d.getArray('log').delete(0, 1), d => d.getArray('log').push([frame]))],
    ['a GC struct (deleted, collected content)', 'foreign-struct', () => {
      const d = new Y.Doc(); d.getArray('log').push([frame]); d.getArray('log').delete(0, 1); return Y.encodeStateAsUpdate(d)
    }],
    ['another root type', 'foreign-type', () => updateOf(d => d.getArray('other').push([frame]))],
    ['a Y.Map on log', 'map-entry', () => updateOf(d => d.getMap('log').set('x', frame))],
    ['text in the log', 'foreign-struct', () => updateOf(d => d.getText('log').insert(0, 'hi'))],
    ['JSON values in the log', 'foreign-struct', () => updateOf(d => d.getArray('log').push(['not a frame']))],
    ['a nested type', 'foreign-struct', () => updateOf(d => d.getArray('log').push([new Y.Map()]))],
    ['an oversized frame', 'oversized-frame', () => updateOf(d => d.getArray('log').push([new Uint8Array(MAX_FRAME_BYTES + 1)]))],
    ['an oversized update', 'oversized', () => new Uint8Array(600 * 1024)],
    ['a frame with a flipped signature bit', 'bad-frame', () => {
      const f = frame.slice(); f[f.length - 1] = (f[f.length - 1] as number) ^ 1
      return updateOf(d => d.getArray('log').push([f]))
    }],
    ['bytes that are not a frame', 'bad-frame', () => updateOf(d => d.getArray('log').push([new Uint8Array(200)]))],
    ['garbage', 'foreign-struct', () => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 255, 255])],
    ['an empty update', 'malformed', () => new Uint8Array(0)],
    ['trailing bytes', 'malformed', () => { const u = updateOf(d => d.getArray('log').push([frame])); const o = new Uint8Array(u.length + 1); o.set(u); return o }],
    ['a huge struct count', 'too-many-structs', () => Uint8Array.from([1, 0xff, 0xff, 0xff, 0x7f, 1, 0])],
    ['an endless varuint', 'malformed', () => new Uint8Array(64).fill(0xff)]
  ]
  for (const [what, reason, make] of hostile) {
    it(`rejects ${what} (${reason}) and leaves the honest history unchanged`, async () => {
      const log = await openLog(room)
      await log.applyRemote(updateOf(d => d.getArray('log').push([frame])))
      const before = idsOf(log)
      const err = await log.applyRemote(make()).catch(e => e)
      expect(err).toMatchObject({ name: 'RejectedUpdateError', reason })
      expect(idsOf(log)).toEqual(before)
      expect(log.rejections[reason as 'malformed']).toBe(1)
      await log.close()
    })
  }

  it('rejects a whole update that mixes an honest frame with a delete', async () => {
    const log = await openLog(room)
    const good = await frameOf(room, author, 'x')
    const mixed = updateOf(d => { d.getArray('log').push([good]); d.getArray('log').delete(0, 1) }, d => d.getArray('log').push([frame]))
    await expect(log.applyRemote(mixed)).rejects.toMatchObject({ name: 'RejectedUpdateError' })
    expect(log.length).toBe(0)
    await log.close()
  })

  it('rejects frames of another room and ephemeral frames', async () => {
    const other = makeRoom()
    const foreign = await frameOf(other, author, 'elsewhere')
    const typing = (await sealMessage({ identity: author.identity, room, device: author.device, seq: 99, body: { k: 'typing', on: true } })).frame
    const g = guard()
    await expect(g.check(updateOf(d => d.getArray('log').push([foreign])))).rejects.toMatchObject({ reason: 'bad-frame' })
    await expect(g.check(updateOf(d => d.getArray('log').push([typing])))).rejects.toMatchObject({ reason: 'bad-frame' })
    expect(g.rejections['bad-frame']).toBe(2)
  })

  it('never hangs or throws anything but RejectedUpdateError on random and mutated bytes', async () => {
    const g = createUpdateGuard({ verifyFrame: async () => {} })
    const honest = updateOf(d => d.getArray('log').push([frame, frame]))
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.tuple(fc.nat(honest.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => { const u = honest.slice(); u[i] = v; return u }),
        fc.nat(honest.length).map(n => honest.subarray(0, n))
      ),
      async (bytes) => {
        try {
          const parsed = await g.check(bytes)
          // Whatever passes must be something Yjs applies without complaint.
          const d = new Y.Doc(); Y.applyUpdate(d, bytes)
          expect(parsed.items.length).toBeGreaterThanOrEqual(0)
        } catch (err) {
          expect((err as Error).name).toBe('RejectedUpdateError')
        }
      }
    ), { numRuns: 2000 })
  })
})
