/**
 * A second, independent copy of the few records a browser must never lose (identity seed, room list and secrets,
 * device keys), kept in the Cache Storage API next to the IndexedDB store.
 *
 * Why: Chromium keeps all IndexedDB databases of an origin in one LevelDB and reuses its log at startup. When the
 * browser is killed between the two write() calls of a log record (header written, payload not), the next startup
 * reads fine, but new records are appended after the torn header, and the startup after that fails with
 * "Corruption: checksum mismatch": Chromium then deletes the origin's whole IndexedDB store (corruption_info.json,
 * UnknownError "Internal error opening backing store"). Measured here on Chromium 156 (THREAT_MODEL.md). Cache
 * Storage is a different backend (one file per entry, no LevelDB, no log), so it survives that wipe.
 *
 * Format of a copy: magic "CSR1", generation u32, record count u32, records (key length u16, UTF-8 key, value
 * length u32, value), CRC-32 of everything before it. Two slots, written alternately with a growing generation, so a
 * write torn by a crash leaves the previous copy readable; the reader takes the valid slot with the highest generation.
 */
import { InvalidArgumentError } from '../errors.ts'
import { crc32 } from './crc32.ts'

const MAGIC = 0x43535231 // "CSR1"
/** Largest copy read or written (the room list alone is capped at 1 MiB). */
export const RESCUE_MAX_BYTES = 4 * 1024 * 1024
const MAX_RECORDS = 10_000
const MAX_KEY_BYTES = 256
const CACHE_NAME = 'chatsphere-rescue'

/** Where a rescue copy lives; {@link cacheRescueCopy} is the browser's. */
export interface RescueCopy {
  /** The records as last written (an empty map when there is no valid copy). */
  read: () => Promise<Map<string, Uint8Array>>
  /** Replaces the copy with `records`; resolves once the browser has stored it. */
  write: (records: ReadonlyMap<string, Uint8Array>) => Promise<void>
}

const utf8 = new TextEncoder()
const utf8d = new TextDecoder('utf-8', { fatal: true })

/** Encodes one copy (exported for tests). */
export function encodeRescue (generation: number, records: ReadonlyMap<string, Uint8Array>): Uint8Array {
  if (records.size > MAX_RECORDS) throw new InvalidArgumentError('too many rescue records')
  const keys = [...records.keys()].map(k => utf8.encode(k))
  let size = 12 + 4
  let i = 0
  for (const v of records.values()) {
    const k = keys[i++] as Uint8Array
    if (k.length === 0 || k.length > MAX_KEY_BYTES) throw new InvalidArgumentError('rescue key must be 1-256 bytes')
    size += 2 + k.length + 4 + v.length
  }
  if (size > RESCUE_MAX_BYTES) throw new InvalidArgumentError(`rescue copy over ${RESCUE_MAX_BYTES} bytes`)
  const out = new Uint8Array(size)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, MAGIC)
  dv.setUint32(4, generation >>> 0)
  dv.setUint32(8, records.size)
  let pos = 12
  i = 0
  for (const v of records.values()) {
    const k = keys[i++] as Uint8Array
    dv.setUint16(pos, k.length); pos += 2
    out.set(k, pos); pos += k.length
    dv.setUint32(pos, v.length); pos += 4
    out.set(v, pos); pos += v.length
  }
  dv.setUint32(pos, crc32(out.subarray(0, pos)))
  return out
}

/** Decodes one copy; undefined when it is torn, damaged or not a copy (exported for tests). */
export function decodeRescue (bytes: Uint8Array): { generation: number, records: Map<string, Uint8Array> } | undefined {
  if (bytes.length < 16 || bytes.length > RESCUE_MAX_BYTES) return undefined
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const end = bytes.length - 4
  if (dv.getUint32(0) !== MAGIC || dv.getUint32(end) !== crc32(bytes.subarray(0, end))) return undefined
  const count = dv.getUint32(8)
  if (count > MAX_RECORDS) return undefined
  const records = new Map<string, Uint8Array>()
  let pos = 12
  try {
    for (let n = 0; n < count; n++) {
      if (pos + 2 > end) return undefined
      const kl = dv.getUint16(pos); pos += 2
      if (kl === 0 || kl > MAX_KEY_BYTES || pos + kl + 4 > end) return undefined
      const key = utf8d.decode(bytes.subarray(pos, pos + kl)); pos += kl
      const vl = dv.getUint32(pos); pos += 4
      if (pos + vl > end) return undefined
      records.set(key, bytes.slice(pos, pos + vl)); pos += vl
    }
  } catch { return undefined } // invalid UTF-8
  return pos === end ? { generation: dv.getUint32(4), records } : undefined
}

/**
 * The rescue copy `name` in the browser's Cache Storage (cache "chatsphere-rescue", two entries per name under this
 * origin's `/.chatsphere-rescue/` path, never fetched from the network). Writes are serialized.
 */
export function cacheRescueCopy (name: string, storage: CacheStorage = globalThis.caches): RescueCopy {
  const slotUrl = (slot: number): string => new URL(`/.chatsphere-rescue/${encodeURIComponent(name)}/${slot}`, globalThis.location.href).href
  let generation: number | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function readSlots (): Promise<{ generation: number, records: Map<string, Uint8Array> } | undefined> {
    // caches.has first: a browser that never wrote a copy gets no cache created by a read.
    if (!await storage.has(CACHE_NAME)) return undefined
    const cache = await storage.open(CACHE_NAME)
    let best: { generation: number, records: Map<string, Uint8Array> } | undefined
    for (const slot of [0, 1]) {
      const res = await cache.match(slotUrl(slot))
      if (res === undefined) continue
      const copy = decodeRescue(new Uint8Array(await res.arrayBuffer()))
      if (copy !== undefined && (best === undefined || copy.generation > best.generation)) best = copy
    }
    return best
  }

  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn)
    queue = p.catch(() => {})
    return p
  }

  return {
    read: async () => await run(async () => {
      const copy = await readSlots()
      generation = copy?.generation ?? generation ?? 0
      return copy?.records ?? new Map()
    }),
    write: async (records) => {
      const snapshot = new Map(records)
      await run(async () => {
        generation ??= (await readSlots())?.generation ?? 0
        const next = generation + 1
        const bytes = encodeRescue(next, snapshot)
        const cache = await storage.open(CACHE_NAME)
        // The slot of the older copy; the newer one stays intact until this put has completed.
        await cache.put(slotUrl(next % 2), new Response(bytes.buffer as ArrayBuffer, { headers: { 'content-type': 'application/octet-stream' } }))
        generation = next
      })
    }
  }
}

/** The recent room-log updates of one room, kept beside the IndexedDB store for the same reason as the records. */
export interface RescueJournal {
  /** Keeps one update; resolves once the browser has stored it. */
  append: (update: Uint8Array) => Promise<void>
  /** The kept updates, oldest first (torn or damaged ones left out). */
  entries: () => Promise<Uint8Array[]>
}

/** Updates kept per room (the newest; older ones are on the relays or were synced long ago). */
export const RESCUE_JOURNAL_MAX = 2000
/** Appends between two trims of a journal. */
const TRIM_EVERY = 100

/** Largest batch of updates in one journal entry. */
const JOURNAL_ENTRY_BYTES = 1024 * 1024
const JOURNAL_ENTRY_UPDATES = 5000

/**
 * The journal of room `roomKey` in Cache Storage: entries (cache "chatsphere-rescue-log:<room>", URL ending in a
 * number that grows across sessions) each holding a batch of updates, framed and CRC-checked like a rescue copy,
 * trimmed to the newest {@link RESCUE_JOURNAL_MAX}. Group commit: one put in flight; updates appended meanwhile go
 * into the next entry together, so a history sync of thousands of updates costs a few puts, not one each.
 */
export function cacheRescueJournal (roomKey: string, storage: CacheStorage = globalThis.caches): RescueJournal {
  const cacheName = `chatsphere-rescue-log:${roomKey}`
  const base = new URL(`/.chatsphere-rescue/log/${encodeURIComponent(roomKey)}/`, globalThis.location.href).href
  let cache: Promise<Cache> | undefined
  let last = 0
  let sinceTrim = 0
  let pending: Array<{ update: Uint8Array, resolve: () => void, reject: (err: unknown) => void }> = []
  let flushing = false
  const numberOf = (url: string): number => Number(url.slice(base.length))
  const sortedKeys = async (c: Cache): Promise<string[]> =>
    (await c.keys()).map(r => r.url).filter(u => u.startsWith(base)).sort((a, b) => numberOf(a) - numberOf(b))

  async function put (batch: Uint8Array[]): Promise<void> {
    cache ??= storage.open(cacheName)
    const c = await cache
    // Milliseconds x 1000 plus a counter: grows across sessions without reading the journal at start.
    last = Math.max(last + 1, Date.now() * 1000)
    const bytes = encodeRescue(last % 0x100000000, new Map(batch.map((u, i) => [String(i), u])))
    await c.put(base + String(last), new Response(bytes.buffer as ArrayBuffer, { headers: { 'content-type': 'application/octet-stream' } }))
    if (++sinceTrim >= TRIM_EVERY) {
      sinceTrim = 0
      const keys = await sortedKeys(c)
      for (const url of keys.slice(0, Math.max(0, keys.length - RESCUE_JOURNAL_MAX))) await c.delete(url)
    }
  }

  async function flush (): Promise<void> {
    flushing = true
    while (pending.length > 0) {
      let bytes = 0
      let n = 0
      while (n < pending.length && n < JOURNAL_ENTRY_UPDATES && (n === 0 || bytes + (pending[n]?.update.length ?? 0) <= JOURNAL_ENTRY_BYTES)) bytes += pending[n++]?.update.length ?? 0
      const batch = pending.slice(0, n)
      pending = pending.slice(n)
      try {
        await put(batch.map(p => p.update))
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    flushing = false
  }

  return {
    async append (update) {
      await new Promise<void>((resolve, reject) => {
        pending.push({ update: update.slice(), resolve, reject })
        if (!flushing) void flush()
      })
    },
    async entries () {
      if (!await storage.has(cacheName)) return []
      const c = await storage.open(cacheName)
      const out: Uint8Array[] = []
      for (const url of await sortedKeys(c)) {
        const res = await c.match(url)
        const copy = res === undefined ? undefined : decodeRescue(new Uint8Array(await res.arrayBuffer()))
        if (copy === undefined) continue
        for (let i = 0; copy.records.has(String(i)); i++) out.push(copy.records.get(String(i)) as Uint8Array)
      }
      return out
    }
  }
}
