/**
 * IndexedDB UpdateStore (browser). Plain IndexedDB rather than y-indexeddb: y-indexeddb writes updates in
 * transactions whose completion it does not report (and with the browser's default, relaxed durability), so a
 * caller cannot know when a sent message is on disk; it also applies stored updates itself, outside our log.
 * Here writes run in `readwrite` transactions opened with `{ durability: 'strict' }`, and `append` resolves on the
 * `complete` event of the transaction holding its record, which with strict durability fires after the data is
 * flushed. Appends that arrive while a transaction runs share the next one (group commit).
 *
 * Layout (database opened by browser.ts): object store `updates`, out-of-line keys `[roomKey, seq]` (seq grows per
 * room), values Uint8Array. Compaction deletes the room's range and puts the merged update in the same transaction,
 * so a crash leaves either the old records or the new one.
 */
import { InvalidArgumentError } from '../errors.ts'
import type { UpdateStore } from '../history/types.ts'

export const UPDATES_STORE = 'updates'
const STRICT: IDBTransactionOptions = { durability: 'strict' }

/** Runs `fn` in one readwrite transaction and resolves when the transaction completes (durable). */
export function writeTx (db: IDBDatabase, storeName: string, fn: (store: IDBObjectStore) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, 'readwrite', STRICT)
    tx.oncomplete = () => { resolve() }
    tx.onerror = () => { reject(tx.error ?? new Error('IndexedDB transaction failed')) }
    tx.onabort = () => { reject(tx.error ?? new Error('IndexedDB transaction aborted')) }
    fn(tx.objectStore(storeName))
  })
}

/** Resolves with the result of a read request in its own readonly transaction. */
export function readReq<T> (db: IDBDatabase, storeName: string, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, 'readonly')
    const req = fn(tx.objectStore(storeName))
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('IndexedDB request failed')) }
  })
}

function roomRange (roomKey: string): IDBKeyRange {
  return IDBKeyRange.bound([roomKey, 0], [roomKey, Number.MAX_SAFE_INTEGER])
}

function asBytes (v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  throw new InvalidArgumentError('IndexedDB record is not bytes')
}

/** The store of one room inside an open database (which must have the `updates` object store). */
export async function openIdbUpdateStore (db: IDBDatabase, roomKey: string): Promise<UpdateStore & { readonly durableWrites: number }> {
  const lastKey = await readReq(db, UPDATES_STORE, s => s.openKeyCursor(roomRange(roomKey), 'prev'))
  let next = lastKey === null ? 0 : ((lastKey.key as [string, number])[1] + 1)
  let closed = false

  function checkOpen (): void {
    if (closed) throw new InvalidArgumentError('store is closed')
  }

  // Group commit: the first append starts a strict transaction at once; appends that arrive while it runs share
  // the next one. Each promise resolves on the `complete` of the transaction that holds its record. Keys are given
  // at call time, so records keep call order whatever the batching.
  let pending: Array<{ seq: number, bytes: Uint8Array, resolve: () => void, reject: (err: unknown) => void }> = []
  let flushing: Promise<void> | undefined
  /** Append transactions committed (one per batch), for tests and benchmarks. */
  let durableWrites = 0
  async function flush (): Promise<void> {
    while (pending.length > 0) {
      const batch = pending
      pending = []
      try {
        await writeTx(db, UPDATES_STORE, s => { for (const p of batch) s.put(p.bytes, [roomKey, p.seq]) })
        durableWrites++
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    flushing = undefined
  }

  return {
    get durableWrites () { return durableWrites },
    async load () {
      const values = await readReq(db, UPDATES_STORE, s => s.getAll(roomRange(roomKey)))
      return values.map(asBytes)
    },
    append (update) {
      try { checkOpen() } catch (err) { return Promise.reject(err) }
      if (update.length === 0) return Promise.reject(new InvalidArgumentError('empty update'))
      const seq = next++
      // A copy: structured clone copies too, but the caller may change its buffer before the transaction runs.
      const copy = update.slice()
      return new Promise<void>((resolve, reject) => {
        pending.push({ seq, bytes: copy, resolve, reject })
        flushing ??= Promise.resolve().then(flush)
      })
    },
    async compact (merged) {
      checkOpen()
      const seq = next++
      const copy = merged.slice()
      // Appends called before this one are written first (they are in `merged` too), so the delete covers them.
      while (flushing !== undefined) await flushing
      await writeTx(db, UPDATES_STORE, s => {
        // Chrome refuses a range whose bounds are equal with one open (fake-indexeddb does not): nothing to delete then.
        if (seq > 0) s.delete(IDBKeyRange.bound([roomKey, 0], [roomKey, seq], false, true))
        s.put(copy, [roomKey, seq])
      })
    },
    async readTail () {
      // Kept under seq -1, outside the range `load` reads.
      const v = await readReq(db, UPDATES_STORE, s => s.get([roomKey, -1]))
      return Array.isArray(v) ? v.map(asBytes) : undefined
    },
    async writeTail (frames) {
      const copy = frames.map(f => f.slice())
      await writeTx(db, UPDATES_STORE, s => { s.put(copy, [roomKey, -1]) })
    },
    async close () {
      closed = true
      while (flushing !== undefined) await flushing
    }
  }
}
