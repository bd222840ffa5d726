import { memoryUpdateStore } from '../../../../src/storage/memory-update-store.ts'
import type { StorageBackend, UpdateStore } from '../../../../src/history/types.ts'

/** A StorageBackend held in memory (room stores from the history layer's memory store), for in-process tests. */
export function memoryStorage (): StorageBackend & { rooms: Map<string, UpdateStore>, meta: Map<string, Uint8Array> } {
  const rooms = new Map<string, UpdateStore>()
  const meta = new Map<string, Uint8Array>()
  return {
    rooms,
    meta,
    async openRoom (key) {
      let s = rooms.get(key)
      if (s == null) { s = memoryUpdateStore(); rooms.set(key, s) }
      return s
    },
    async getMeta (key) { return meta.get(key) },
    async setMeta (key, value) { meta.set(key, value.slice()) },
    async close () {}
  }
}
