/**
 * The meta records a chat's start reads one after another (identity, device, profile, contacts, the device manager's
 * records, the room list), asked for all at once: on IndexedDB every read is a round trip to the browser's storage
 * process, and a cold createChat spent most of its wall time idle, waiting on them in turn (issue 4 P6).
 */
import type { StorageBackend } from '../history/types.ts'

/**
 * `storage` with `keys` read ahead: the first getMeta of each key gets its read-ahead result, later ones (and one
 * after a setMeta of that key, which drops the read-ahead) read the storage again. Everything else goes straight through.
 */
export function prefetchMeta (storage: StorageBackend, keys: readonly string[]): StorageBackend & { readAhead: (keys: readonly string[]) => void } {
  const ahead = new Map<string, Promise<Uint8Array | undefined>>()
  const readAhead = (more: readonly string[]): void => {
    for (const key of more) {
      if (ahead.has(key)) continue
      const read = storage.getMeta(key)
      // A failed read-ahead is reported by the getMeta that takes it, never as unhandled.
      read.catch(() => {})
      ahead.set(key, read)
    }
  }
  readAhead(keys)
  return {
    /** More keys to read ahead (the stored rooms' records, once the room list is known). */
    readAhead,
    async openRoom (roomKey) { return await storage.openRoom(roomKey) },
    async getMeta (key) {
      const read = ahead.get(key)
      if (read === undefined) return await storage.getMeta(key)
      ahead.delete(key)
      return await read
    },
    async setMeta (key, value) {
      ahead.delete(key)
      await storage.setMeta(key, value)
    },
    async close () { await storage.close() }
  }
}
