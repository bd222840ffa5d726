import 'fake-indexeddb/auto'
import { describe, it, expect } from 'vitest'
import { openStorage } from '../../../src/storage/browser.ts'
import { decodeRescue, encodeRescue } from '../../../src/storage/rescue-copy.ts'
import type { RescueCopy } from '../../../src/storage/rescue-copy.ts'
import { withRescueCopy } from '../../../src/storage/rescued-backend.ts'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A rescue copy held in two byte slots, written the way the Cache Storage one is (alternating, generation). */
function slotCopy (): RescueCopy & { slots: Array<Uint8Array | undefined> } {
  const slots: Array<Uint8Array | undefined> = [undefined, undefined]
  const best = (): { generation: number, records: Map<string, Uint8Array> } | undefined => {
    const copies = slots.map(s => s === undefined ? undefined : decodeRescue(s)).filter(c => c !== undefined)
    return copies.sort((a, b) => b.generation - a.generation)[0]
  }
  return {
    slots,
    read: async () => best()?.records ?? new Map(),
    write: async (records) => {
      const next = (best()?.generation ?? 0) + 1
      slots[next % 2] = encodeRescue(next, records)
    }
  }
}

describe('rescue copy format', () => {
  it('round-trips, and a torn or flipped copy reads as none', () => {
    const records = new Map([['identity', new Uint8Array(32).fill(7)], ['rooms', bytes('list')], ['e', new Uint8Array(0)]])
    const enc = encodeRescue(5, records)
    expect(decodeRescue(enc)).toEqual({ generation: 5, records })
    for (let cut = 0; cut < enc.length; cut++) expect(decodeRescue(enc.subarray(0, cut))).toBeUndefined()
    const flipped = enc.slice()
    flipped[14] = (flipped[14] as number) ^ 1
    expect(decodeRescue(flipped)).toBeUndefined()
  })
})

let n = 0
describe('withRescueCopy', () => {
  it('copies essential records (not caches) and puts them back into a store that lost them', async () => {
    const name = `cs-rescue-${++n}`
    const copy = slotCopy()
    const a = await withRescueCopy(await openStorage({ name }), copy)
    expect(a.restored).toEqual([])
    await a.setMeta('identity', new Uint8Array(32).fill(1))
    await a.setMeta('rooms', bytes('rooms v1'))
    await a.setMeta('rooms', bytes('rooms v2'))
    await a.setMeta('opened-room1', bytes('cache'))
    await a.close()
    // The store is gone (as Chromium deletes it); the copy brings the records back.
    await new Promise((resolve, reject) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = resolve; r.onerror = reject })
    const b = await withRescueCopy(await openStorage({ name }), copy)
    expect([...b.restored].sort()).toEqual(['identity', 'rooms'])
    expect(await b.getMeta('rooms')).toEqual(bytes('rooms v2'))
    expect(await b.getMeta('identity')).toEqual(new Uint8Array(32).fill(1))
    expect(await b.getMeta('opened-room1')).toBeUndefined()
    await b.close()
    // A torn newest slot: the older copy is used.
    const newest = copy.slots.map(s => decodeRescue(s as Uint8Array)?.generation ?? 0)
    const i = newest[0] as number > (newest[1] as number) ? 0 : 1
    copy.slots[i] = (copy.slots[i] as Uint8Array).subarray(0, 20)
    expect((await copy.read()).get('rooms')).toEqual(bytes('rooms v1'))
  })

  it('never puts back the copy of another identity (the user started over), and replaces it', async () => {
    const name = `cs-rescue-${++n}`
    const copy = slotCopy()
    const a = await withRescueCopy(await openStorage({ name }), copy, { identity: new Uint8Array(32).fill(1) })
    await a.setMeta('identity', new Uint8Array(32).fill(1))
    await a.setMeta('rooms', bytes('old identity rooms'))
    await a.close()
    await new Promise((resolve, reject) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = resolve; r.onerror = reject })
    const b = await withRescueCopy(await openStorage({ name }), copy, { identity: new Uint8Array(32).fill(9) })
    expect(b.restored).toEqual([])
    expect(await b.getMeta('rooms')).toBeUndefined()
    await b.setMeta('identity', new Uint8Array(32).fill(9))
    await b.close()
    expect([...(await copy.read()).keys()]).toEqual(['identity'])
  })

  it('completes the copy from a store written before it existed', async () => {
    const name = `cs-rescue-${++n}`
    const plain = await openStorage({ name })
    await plain.setMeta('identity', new Uint8Array(32).fill(2))
    await plain.setMeta('rooms', bytes('old rooms'))
    await plain.close()
    const copy = slotCopy()
    const s = await withRescueCopy(await openStorage({ name }), copy)
    await s.close() // waits for the background completion
    expect((await copy.read()).get('rooms')).toEqual(bytes('old rooms'))
    expect((await copy.read()).get('identity')).toEqual(new Uint8Array(32).fill(2))
  })
})
