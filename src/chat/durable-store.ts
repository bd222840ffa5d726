/**
 * An UpdateStore wrapper that lets the room log go on before a write is durable, while the chat still knows when it
 * is. The room log awaits `append` before `append`/`applyRemote` resolve; through this wrapper that await ends as
 * soon as the update is handed to the real store (in call order, so the store's ordering and group commit hold), and
 * the durability promise is kept per update:
 * - our own sends: the chat publishes the update at once and awaits `durable(update)` before it reports "sent"
 *   (the fsync and the network hop overlap; nothing is reported sent before it is on disk);
 * - received updates: shown and forwarded once the guard accepted and Yjs applied them; a failed write is reported
 *   through `onError` (the data stays in memory and the next start syncs it again from a peer or relay).
 */
import type { UpdateStore } from '../history/types.ts'

export interface DurableStore extends UpdateStore {
  /**
   * Resolves once the update (the very array passed to `append`) is durable, rejects if its write failed.
   * Resolves at once for an update this store never saw (nothing to wait for).
   */
  durable: (update: Uint8Array) => Promise<void>
}

/** Wraps `inner`; `onError` hears of writes that failed with nobody awaiting them. */
export function durableStore (inner: UpdateStore, onError: (err: unknown) => void): DurableStore {
  const writes = new WeakMap<Uint8Array, Promise<void>>()
  const out: DurableStore = {
    load: async () => await inner.load(),
    append: async (update) => {
      const write = inner.append(update)
      writes.set(update, write)
      write.catch(onError)
    },
    compact: async (merged) => { await inner.compact(merged) },
    close: async () => { await inner.close() },
    durable: async (update) => {
      const write = writes.get(update)
      writes.delete(update)
      if (write !== undefined) await write
    }
  }
  if (inner.readTail !== undefined) out.readTail = inner.readTail.bind(inner)
  if (inner.writeTail !== undefined) out.writeTail = inner.writeTail.bind(inner)
  return out
}
