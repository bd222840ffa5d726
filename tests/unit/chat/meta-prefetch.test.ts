/**
 * The meta records a chat's start reads are asked for at once (src/chat/meta-prefetch.ts, issue 4 P6: on IndexedDB
 * each read is a round trip, and createChat waited on them in turn), and a read-ahead never hides a later write.
 */
import { describe, expect, it } from 'vitest'
import { createChat } from '../../../src/index.ts'
import { prefetchMeta } from '../../../src/chat/meta-prefetch.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

/** The storage, with each meta read answered a macrotask later, counting how many were pending at most. */
function slowReads (storage: StorageBackend): StorageBackend & { maxPending: () => number } {
  let pending = 0
  let max = 0
  return {
    ...storage,
    getMeta: async (key) => {
      pending++
      max = Math.max(max, pending)
      await new Promise(resolve => { setImmediate(resolve) })
      pending--
      return await storage.getMeta(key)
    },
    maxPending: () => max
  }
}

describe('meta read-ahead at start', () => {
  it('createChat asks for its start records together, not one after another', async () => {
    const storage = memoryStorage()
    const first = await createChat({ storage, offline: true, displayName: 'Ana' })
    await first.createRoom('r')
    await first.close()
    const slow = slowReads(storage)
    const chat = await createChat({ storage: slow, offline: true })
    try {
      expect(chat.user.name).toBe('Ana')
      expect(chat.rooms().map(r => r.name)).toEqual(['r'])
      expect(slow.maxPending()).toBeGreaterThanOrEqual(8)
    } finally {
      await chat.close()
    }
  })

  it('a read after a write of the same key gets the written value, and only the first read takes the read-ahead', async () => {
    const storage = memoryStorage()
    await storage.setMeta('a', Uint8Array.of(1))
    await storage.setMeta('b', Uint8Array.of(2))
    const ahead = prefetchMeta(storage, ['a', 'b', 'missing'])
    await ahead.setMeta('a', Uint8Array.of(9))
    expect(await ahead.getMeta('a')).toEqual(Uint8Array.of(9))
    expect(await ahead.getMeta('missing')).toBeUndefined()
    expect(await ahead.getMeta('b')).toEqual(Uint8Array.of(2))
    await storage.setMeta('b', Uint8Array.of(3))
    expect(await ahead.getMeta('b')).toEqual(Uint8Array.of(3))
  })
})
