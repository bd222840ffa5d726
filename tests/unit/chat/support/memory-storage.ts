import { memoryUpdateStore } from '../../../../src/storage/memory-update-store.ts'
import type { StorageBackend } from '../../../../src/history/types.ts'

/**
 * A StorageBackend held in memory (room stores from the history layer's memory store), for in-process tests. Room
 * records outlive a close, so a chat can be closed and reopened on the same storage (a restart).
 */
export function memoryStorage (): StorageBackend & { records: Map<string, Uint8Array[]>, meta: Map<string, Uint8Array> } {
  const records = new Map<string, Uint8Array[]>()
  const meta = new Map<string, Uint8Array>()
  return {
    records,
    meta,
    async openRoom (key) {
      const store = memoryUpdateStore(records.get(key) ?? [])
      records.set(key, store.records)
      return store
    },
    async getMeta (key) { return meta.get(key) },
    async setMeta (key, value) { meta.set(key, value.slice()) },
    async close () {}
  }
}
