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

/**
 * Wraps `inner`; `onError` hears of writes that failed with nobody awaiting them. `hold`, asked at each write: a
 * promise the write must wait for (our own message's publish, see SendCoalescer.handedOff), or undefined. Writes
 * reach `inner` in call order either way: one made while earlier ones are held waits behind them.
 */
export function durableStore (inner: UpdateStore, onError: (err: unknown) => void, hold: () => Promise<void> | undefined = () => undefined): DurableStore {
  const writes = new WeakMap<Uint8Array, Promise<void>>()
  /** What held writes wait for (undefined: nothing is held, writes go to `inner` at once). */
  let gate: Promise<void> | undefined
  /** Settles once every write asked for so far has settled: close waits for it, held or in flight. */
  let settled: Promise<void> = Promise.resolve()
  function ordered<T> (op: () => Promise<T>): Promise<T> {
    const started = gated(op)
    settled = Promise.all([settled, started.catch(() => {})]).then(() => {})
    return started
  }
  function gated<T> (op: () => Promise<T>): Promise<T> {
    // A hold that fails still releases the writes behind it.
    const h = hold()?.then(() => {}, () => {})
    if (h === undefined && gate === undefined) return op()
    const g: Promise<void> = h === undefined ? gate as Promise<void> : gate === undefined ? h : Promise.all([gate, h]).then(() => {})
    gate = g
    // Callbacks on one promise run in the order they were added: the held writes start in call order, then the gate
    // is cleared (nothing can be called in between), and later writes go to `inner` directly again.
    const started = g.then(op)
    void g.then(() => { if (gate === g) gate = undefined })
    return started
  }
  const out: DurableStore = {
    load: async () => await inner.load(),
    append: async (update) => {
      const write = ordered(async () => { await inner.append(update) })
      writes.set(update, write)
      write.catch(onError)
    },
    compact: async (merged) => { await ordered(async () => { await inner.compact(merged) }) },
    close: async () => { await settled; await inner.close() },
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
