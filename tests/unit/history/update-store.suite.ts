/**
 * The one test suite every UpdateStore backend passes (Node file, IndexedDB, memory).
 * `setup()` gives a place; `open()` opens the store of that place (call again after close() to reopen).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import type { UpdateStore } from '../../../src/history/types.ts'

export interface StorePlace {
  open (): Promise<UpdateStore>
  cleanup (): Promise<void>
}

function bytes (n: number, fill: number): Uint8Array { return new Uint8Array(n).fill(fill) }

export function updateStoreSuite (name: string, setup: () => Promise<StorePlace>): void {
  describe(`UpdateStore suite: ${name}`, () => {
    let place: StorePlace
    beforeEach(async () => { place = await setup() })
    afterEach(async () => { await place.cleanup() })

    it('a new store loads nothing', async () => {
      const s = await place.open()
      expect(await s.load()).toEqual([])
      await s.close()
    })

    it('keeps appended updates in order across a reopen', async () => {
      const s = await place.open()
      for (let i = 1; i <= 5; i++) await s.append(bytes(i * 3, i))
      await s.close()
      const r = await place.open()
      const got = await r.load()
      expect(got.map(u => [u.length, u[0]])).toEqual([[3, 1], [6, 2], [9, 3], [12, 4], [15, 5]])
      await r.close()
    })

    it('keeps every one of many concurrent appends, in call order', async () => {
      const s = await place.open()
      await Promise.all(Array.from({ length: 200 }, (_, i) => s.append(Uint8Array.of(i & 0xff, i >> 8, 7))))
      await s.close()
      const r = await place.open()
      const got = await r.load()
      expect(got.length).toBe(200)
      expect(got.map(u => u[0] as number + (u[1] as number) * 256)).toEqual(Array.from({ length: 200 }, (_, i) => i))
      await r.close()
    })

    it('compact replaces everything with the merged update; later appends follow it', async () => {
      const s = await place.open()
      await s.append(bytes(4, 1))
      await s.append(bytes(4, 2))
      await s.compact(bytes(10, 9))
      await s.append(bytes(2, 3))
      await s.close()
      const r = await place.open()
      expect((await r.load()).map(u => [u.length, u[0]])).toEqual([[10, 9], [2, 3]])
      await r.close()
    })

    it('orders a compact called while appends are in flight after them, and later appends after it', async () => {
      const s = await place.open()
      const writes = Array.from({ length: 20 }, (_, i) => s.append(Uint8Array.of(i + 1)))
      const compacted = s.compact(bytes(10, 9))
      const after = s.append(Uint8Array.of(99))
      await Promise.all([...writes, compacted, after])
      await s.close()
      const r = await place.open()
      expect((await r.load()).map(u => [u.length, u[0]])).toEqual([[10, 9], [1, 99]])
      await r.close()
    })

    it('compacts a store that holds nothing yet', async () => {
      const s = await place.open()
      await s.compact(bytes(6, 4))
      await s.close()
      const r = await place.open()
      expect((await r.load()).map(u => [u.length, u[0]])).toEqual([[6, 4]])
      await r.close()
    })

    it('does not alias the caller\'s buffer', async () => {
      const s = await place.open()
      const buf = bytes(8, 5)
      await s.append(buf)
      buf.fill(0)
      await s.close()
      const r = await place.open()
      expect((await r.load())[0]).toEqual(bytes(8, 5))
      await r.close()
    })

    it('stores a large update (1 MiB)', async () => {
      const s = await place.open()
      const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251)
      await s.append(big)
      await s.close()
      const r = await place.open()
      const got = await r.load()
      expect(got.length).toBe(1)
      expect(got[0]?.length).toBe(big.length)
      expect(got[0]?.[1000]).toBe(1000 % 251)
      await r.close()
    })

    it('keeps a tail cache apart from the updates', async () => {
      const s = await place.open()
      if (s.writeTail === undefined || s.readTail === undefined) { await s.close(); return }
      expect(await s.readTail()).toBeUndefined()
      await s.append(bytes(3, 1))
      await s.writeTail([bytes(2, 7), bytes(5, 8)])
      await s.writeTail([bytes(2, 7), bytes(5, 8), bytes(1, 9)])
      await s.close()
      const r = await place.open()
      expect((await r.readTail?.())?.map(u => [u.length, u[0]])).toEqual([[2, 7], [5, 8], [1, 9]])
      expect((await r.load()).map(u => [u.length, u[0]])).toEqual([[3, 1]])
      await r.close()
    })

    it('refuses empty updates and appends after close', async () => {
      const s = await place.open()
      await expect(s.append(new Uint8Array(0))).rejects.toThrow()
      await s.close()
      await expect(s.append(bytes(1, 1))).rejects.toThrow()
    })
  })
}
