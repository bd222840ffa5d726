/**
 * A StorageBackend whose essential meta records (identity, device keys, room list and secrets, contacts, sequence
 * counters: everything except caches that can be rebuilt) are also kept in a {@link RescueCopy}, and put back when
 * the backend is found without its identity while the copy has one (the browser deleted its IndexedDB store after
 * a crash, see rescue-copy.ts). With `journal`, the newest updates of each room log are kept too (each append
 * resolves once both have it), and a room found empty in a restored store gets them back before it loads: messages
 * sent offline, which no relay has, survive the deletion; older history comes back from the relays and members.
 */
import { bytesEqual } from '../crypto/encoding.ts'
import type { StorageBackend } from '../history/types.ts'
import type { RescueCopy, RescueJournal } from './rescue-copy.ts'

/** Meta records that are caches (rebuilt when missing) or media bookkeeping: not copied. */
const NOT_RESCUED = /^(opened-|media-)/
/** Larger values are not copied (the room list, the largest essential record, is capped at 1 MiB). */
const MAX_RESCUED_VALUE = 1024 * 1024
/** The record whose absence, with a copy that has it, means the store was lost. */
const IDENTITY_KEY = 'identity'
/** Essential records a store written before the copy existed may hold: copied once at open. */
const KNOWN_KEYS = ['identity', 'device', 'peer-key', 'rooms', 'display-name', 'avatar', 'contacts',
  'device-box-key', 'device-records', 'device-sync', 'device-binding-pending']

/** Whether `key` is copied to the rescue copy. */
export function isRescued (key: string, value?: Uint8Array): boolean {
  return !NOT_RESCUED.test(key) && (value === undefined || value.length <= MAX_RESCUED_VALUE)
}

/** The backend with its rescue copy; `restored` lists the records put back at open (empty normally). */
export type RescuedBackend = StorageBackend & { readonly restored: readonly string[] }

/** Equal bytes, or both missing. */
function sameBytes (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : bytesEqual(a, b)
}

/** Options of {@link withRescueCopy}. */
export interface RescueOptions {
  /** Keeps the newest updates of each room log too (the browser's: `cacheRescueJournal`). */
  journal?: (roomKey: string) => RescueJournal
  /**
   * The identity seed this backend is opened for: a copy of another identity (the user started over or linked this
   * browser to another identity) is never put back, and is replaced by this identity's records as they are written.
   */
  identity?: Uint8Array
}

/**
 * Wraps `backend`. At open: when the backend has no identity and the copy has one, every copied record is written
 * back before this resolves; otherwise the copy is brought up to date in the background (records written by a
 * version without it). Each later `setMeta` of a copied record resolves after both stores have it.
 */
export async function withRescueCopy (backend: StorageBackend, rescue: RescueCopy, opts: RescueOptions = {}): Promise<RescuedBackend> {
  const journal = opts.journal
  const loaded = rescue.read()
  loaded.catch(() => {}) // awaited below; a copy that cannot be read is an empty one
  const restored: string[] = []
  let records: Map<string, Uint8Array>
  let ready: Promise<unknown>
  let identity: Uint8Array | undefined
  try {
    identity = await backend.getMeta(IDENTITY_KEY)
    if (identity === undefined) {
      records = await loaded.catch(() => new Map<string, Uint8Array>())
      const copied = records.get(IDENTITY_KEY)
      if (copied !== undefined && (opts.identity === undefined || sameBytes(copied, opts.identity))) {
        for (const [key, value] of records) { await backend.setMeta(key, value); restored.push(key) }
      } else {
        records = new Map() // another identity's copy (or none): this one's records replace it
      }
    }
  } catch (err) {
    await backend.close().catch(() => {})
    throw err
  }
  if (identity === undefined) {
    records ??= new Map()
    ready = Promise.resolve()
  } else {
    records = new Map()
    // Off the start path: the copy is read, then completed with the essential records it lacks or has older.
    ready = (async () => {
      const copy = await loaded.catch(() => new Map<string, Uint8Array>())
      // A copy of another identity is dropped: the records below replace it.
      if (sameBytes(copy.get(IDENTITY_KEY), identity)) for (const [k, v] of copy) if (!records.has(k)) records.set(k, v)
      let changed = false
      for (const key of KNOWN_KEYS) {
        const value = await backend.getMeta(key)
        if (value !== undefined && isRescued(key, value) && !sameBytes(records.get(key), value)) { records.set(key, value.slice()); changed = true }
      }
      if (changed) await rescue.write(records)
    })().catch(() => {})
  }

  return {
    restored,
    async openRoom (roomKey) {
      const store = await backend.openRoom(roomKey)
      if (journal === undefined) return store
      const kept = journal(roomKey)
      if (restored.length > 0) {
        // A restored store: the room's log is empty unless this session wrote it; the journal refills it.
        const have = await store.load()
        if (have.length === 0) for (const u of await kept.entries().catch(() => [])) await store.append(u)
      }
      return {
        load: async () => await store.load(),
        async append (update) {
          // Both at once: the acknowledgement waits for the slower, not for the sum. A journal that cannot be written
          // (no Cache Storage, quota) does not fail the append the primary store has made durable.
          await Promise.all([store.append(update), kept.append(update).catch(() => {})])
        },
        compact: async (merged) => { await store.compact(merged) },
        close: async () => { await store.close() },
        ...(store.readTail !== undefined ? { readTail: store.readTail.bind(store) } : {}),
        ...(store.writeTail !== undefined ? { writeTail: store.writeTail.bind(store) } : {})
      }
    },
    getMeta: async (key) => await backend.getMeta(key),
    async setMeta (key, value) {
      await backend.setMeta(key, value)
      if (!isRescued(key, value)) return
      await ready
      if (sameBytes(records.get(key), value)) return
      records.set(key, value.slice())
      // The primary store has the record: a copy that cannot be written (no Cache Storage, quota) must not fail it.
      await rescue.write(records).catch(() => {})
    },
    close: async () => { await ready; await backend.close() }
  }
}
