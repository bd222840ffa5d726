/**
 * One room's history: a Y.Doc whose root Y.Array `log` holds encrypted frames in the order every peer converges
 * to. Local frames are inserted and made durable before `append` resolves; frames from the network pass the guard
 * first and are persisted as the update that carried them. The doc knows nothing of the network: callers publish
 * what `append` returns and feed what they receive to `applyRemote`.
 */
import * as Y from 'yjs'
import { logger } from '@libp2p/logger'
import {
  COMPACT_AFTER_RECORDS, FRAME_ID_OFFSET, HISTORY_LOG_NAME, MAX_FRAME_BYTES, MESSAGE_ID_BYTES, SYNC_CHUNK_BYTES,
  MAX_PENDING_UPDATE_BYTES, SIGNATURE_BYTES, TAIL_CACHE_FRAMES
} from '../constants.ts'
import { BadSignatureError, InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { verifyBatched } from '#verify-batch'
import { frameSigningInput, parseFrame } from '../envelope/frame.ts'
import { FrameKind } from '../envelope/types.ts'
import { FrameView } from './frame-view.ts'
import { applyStoredUpdate, logItems, packFrames } from './packed-frames.ts'
import { createUpdateGuard, RejectedLogUpdateError } from './guard.ts'
import { decodeStateVector } from './state-vector.ts'
import { encodeLogUpdate, itemEncodedSize, parseLogUpdate } from './update-codec.ts'
import type { FrameVerifier, UpdateGuard } from './guard.ts'
import type { LogItem, ParseLimits, RejectReason } from './update-codec.ts'
import type { UpdateStore } from './types.ts'

const log = logger('chatsphere:history')

/** Transaction origins of the log itself; remote origins are whatever the caller passes to `applyRemote`. */
export const LOCAL_ORIGIN = Symbol('chatsphere:local')
const LOAD_ORIGIN = Symbol('chatsphere:load')

export interface RoomLogInit {
  /** Where this room's updates are kept. The log owns it from now on and closes it on `close()`. */
  store: UpdateStore
  /** 32-byte room id (frames are signed over it). */
  roomId: Uint8Array
  /** The room write public key; every frame from the network must carry a valid signature by it. */
  writePublicKey: Uint8Array
  /**
   * The room write seed, held by members (never by relays): the default verifier then checks the write signature by
   * re-signing (same verdicts, a signature instead of a verification; PROTOCOL.md "Step 3 at a member").
   */
  writeSeed?: Uint8Array
  /**
   * Verifies one frame from the network. Default: the envelope's `verifyFrame` with this room's write key and id,
   * plus kind = room message (ephemeral frames are never stored). Override only to add checks (relay quotas).
   */
  verifyFrame?: FrameVerifier
  /** Compact the store on open when it holds more than this many records (default COMPACT_AFTER_RECORDS). */
  compactAfterRecords?: number
  /** Overrides of the guard's limits (tests, relay quotas). */
  limits?: ParseLimits
  /** Largest pending store (items waiting for missing predecessors) kept, in bytes (default MAX_PENDING_UPDATE_BYTES). */
  maxPendingBytes?: number
  /**
   * Called before the log loads with the frames of the store's tail cache (the last TAIL_CACHE_FRAMES in log order
   * when the log was last closed or compacted), so a UI can decrypt and show the last screen at once. Frames from
   * the cache are as trusted as the store; the loaded log (`frames()`) supersedes them. A returned promise is
   * awaited before loading starts (loading blocks the thread), so decrypting and showing the tail can finish first.
   */
  onTail?: (frames: Uint8Array[]) => void | Promise<void>
}

/**
 * Called with frames new to this log (by message id), whatever their origin (LOCAL_ORIGIN for our own). Every frame
 * given to a listener was appended locally or passed the log's `verifyFrame` (remote updates, including items Yjs
 * held back from an earlier update until their predecessors came): a listener may rely on that check having run.
 */
export type FramesListener = (frames: Uint8Array[], origin: unknown) => void

export interface RoomLog {
  /** Number of distinct messages (frames deduped by message id). */
  readonly length: number
  /** Number of inserts in the Y.Array, duplicates included. */
  readonly rawLength: number
  /** Inserts a frame, waits until the store holds it, and returns the single-insert Yjs update to publish. */
  append (frame: Uint8Array): Promise<Uint8Array>
  /**
   * Inserts several frames, in order, in one transaction, waits until the store holds them, and returns the one Yjs
   * update that carries all of them (a sender coalescing messages under load: one publish, one write).
   */
  appendMany (frames: Uint8Array[]): Promise<Uint8Array>
  /**
   * Checks an update from the network with the guard, applies it, persists it and returns the frames that are new
   * to this log. Throws RejectedUpdateError (nothing applied) when the update breaks any rule.
   */
  applyRemote (update: Uint8Array, origin?: unknown): Promise<Uint8Array[]>
  /**
   * After `applyRemote(update)` brought no new frame: whether a catch-up sync could bring something this log lacks.
   * True while items wait for predecessors, or when `update` carries a frame the log does not hold (its items waited
   * and were dropped past maxPendingBytes). False for a re-delivery of frames the log already holds with nothing
   * waiting: the common case once a sync brought a frame before its gossip copy, and a catch-up for it would only
   * start another sync (under load, each one made more gossip copies late: a feedback loop, bench/soak.ts).
   */
  lacksAfter (update: Uint8Array): boolean
  /** Our Yjs state vector (what we have). */
  stateVector (): Uint8Array
  /**
   * What a peer with `remoteStateVector` lacks, as Yjs updates of at most `maxChunkBytes` each (one frame over
   * the limit gets a chunk of its own). Throws MalformedError / OversizedError on a bad state vector.
   */
  missingFor (remoteStateVector: Uint8Array, maxChunkBytes?: number): Uint8Array[]
  /** Frames in log order, deduped, like `Array.prototype.slice(from, to)`: read only the tail to show a screen. */
  frames (from?: number, to?: number): Uint8Array[]
  /** True when a message with this 16-byte id is in the log. */
  has (id: Uint8Array): boolean
  /** Subscribes to new frames; returns the unsubscribe function. */
  onFrames (listener: FramesListener): () => void
  /** Rejected updates so far, by reason. */
  readonly rejections: Readonly<Partial<Record<RejectReason, number>>>
  /**
   * Counts changes of the log's frames since the load (new frames, or repeated ones, which can move a frame earlier):
   * `frames()` is the same list as long as this is unchanged, so a reader can keep what it derived from it.
   */
  readonly changes: number
  /** Rewrites the store as one snapshot of the doc (crash-safe; see the store's compact). */
  compact (): Promise<void>
  /**
   * Writes the tail cache now (it is written on close and compaction too): a reader that shows the cached frames
   * before the log loads (the chat's tail-first open) keeps it current with what it recorded as shown.
   */
  saveTail (): Promise<void>
  /** Waits for pending writes, closes the store and frees the doc. */
  close (): Promise<void>
}

/** Opens (loads) a room log from its store. Local records are trusted: they were checked before they were written. */
export async function openRoomLog (init: RoomLogInit): Promise<RoomLog> {
  const { store } = init
  const doc = new Y.Doc()
  const arr = doc.getArray<Uint8Array>(HISTORY_LOG_NAME)
  const guard: UpdateGuard = createUpdateGuard({ verifyFrame: init.verifyFrame ?? roomFrameVerifier(init.writePublicKey, init.roomId, init.writeSeed), limits: init.limits })
  const view = new FrameView<Y.Item>(frameOfItem)
  const listeners = new Set<FramesListener>()
  let loading = true
  let changes = 0
  let closed = false
  let lastLocalUpdate: Uint8Array | undefined
  /** Set while applyRemote applies an update: gathers the frames it made new. */
  let collected: Uint8Array[] | undefined
  // Store calls are made synchronously right after the doc changed, so the store receives updates in the order the
  // doc produced them (stores keep call order). They are not awaited one after another: concurrent appends share one
  // fsync / transaction in the store (group commit). In-flight writes are tracked so close() can wait for them.
  const inflight = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    const settled = p.then(() => {}, () => {})
    inflight.add(settled)
    void settled.then(() => { inflight.delete(settled) })
    return p
  }

  // New items are found from the transaction's before/after state vectors (O(new items)), not from the Y.Array
  // event's delta, which walks the whole array on every change and made appends O(n).
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    if (loading) return
    const items: Y.Item[] = []
    for (const [client, after] of tr.afterState) {
      const before = tr.beforeState.get(client) ?? 0
      if (after <= before) continue
      const structs = doc.store.clients.get(client) ?? []
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const st = structs[i]
        if (st === undefined || st.id.clock >= after) break
        if (st instanceof Y.Item && st.content instanceof Y.ContentBinary) items.push(st)
      }
    }
    if (items.length === 0) return
    changes++
    const fresh = view.isDirty ? view.insertedInMiddle(items) : insertNew(items)
    if (fresh.length === 0) return
    if (collected !== undefined) for (const f of fresh) collected.push(f)
    for (const l of listeners) {
      try { l(fresh, tr.origin) } catch (err) { log.error('frames listener threw: %e', err) }
    }
  })

  /** The last item of the log. Amortized O(1): items are never removed, so the walk only covers new ones. */
  let tail: Y.Item | null = null
  function lastItem (): Y.Item | null {
    let t = tail ?? arr._start
    if (t === null) return null
    while (t.right !== null) t = t.right
    tail = t
    return t
  }

  /** Adds new items to the view: appended in list order when they form the tail of the log, else marks it stale. */
  function insertNew (items: Y.Item[]): Uint8Array[] {
    const set = new Set(items)
    let start: Y.Item | undefined
    let suffix = true
    for (const it of items) {
      if (it.right !== null && !set.has(it.right)) { suffix = false; break }
      if (it.left === null || !set.has(it.left)) {
        if (start !== undefined) { suffix = false; break }
        start = it
      }
    }
    if (!suffix || start === undefined) return view.insertedInMiddle(items)
    const ordered: Y.Item[] = []
    for (let it: Y.Item | null = start; it !== null; it = it.right) ordered.push(it)
    return view.appendAtEnd(ordered)
  }

  // ── load ──
  if (init.onTail !== undefined && store.readTail !== undefined) {
    const tail = await store.readTail().catch(() => undefined)
    if (tail !== undefined && tail.length > 0) {
      try { await init.onTail(tail) } catch (err) { log.error('onTail threw: %e', err) }
    }
  }
  const records = await store.load()
  doc.transact(() => {
    for (const [i, u] of records.entries()) {
      try {
        // Frames stay views into the record (no copy per frame); packFrames keeps the record's buffer as their arena.
        applyStoredUpdate(doc, u, LOAD_ORIGIN)
      } catch (err) {
        log.error('stored record %d of room does not apply, skipped: %e', i, err)
      }
    }
  }, LOAD_ORIGIN)
  view.reset(logItems(arr))
  // Each loaded frame is a view into its record, with a Uint8Array and a ContentBinary of its own: a PackedBinary
  // (an offset into the record's buffer) instead (P7), right after the open returns (kept off the time until the
  // room can be shown). The view holds items, not frames, so it reads the packed bytes from then on; frames handed
  // out before stay valid.
  if (records.length > 0) setTimeout(() => { if (!closed) packFrames(arr) }, 0)
  loading = false
  // Attached only around our own inserts (append): while any 'update' listener exists Yjs encodes every
  // transaction's changes as an update, which for the load is the whole room again (~0.3 s for 100k messages) and for
  // every remote apply is bytes we already hold (measured ~15-40 µs per live message on the relay and each receiver).
  const onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === LOCAL_ORIGIN) lastLocalUpdate = update
  }
  const recordCount = records.length
  // The loaded frames keep the records' buffers alive (their arena); records Yjs ignored are garbage after compaction.
  records.length = 0
  if (recordCount > (init.compactAfterRecords ?? COMPACT_AFTER_RECORDS)) {
    // After the open returns (a timer, so the caller's first synchronous work such as showing the room goes first):
    // the snapshot of 100k messages costs ~0.1 s to encode plus writing and syncing the whole file, and the records
    // already on disk are complete without it. The snapshot is taken when the compaction is called, and the store
    // orders it after the appends called before and before those called after, as for `compact()`; `close()`
    // waits for it (the doc stays alive until then), so even a short-lived open still compacts.
    void track(new Promise<void>(resolve => { setTimeout(resolve, 0) }).then(async () => {
      await store.compact(Y.encodeStateAsUpdate(doc))
      await saveTail()
    })).catch((err: unknown) => { log.error('compaction after open failed (the records stay as they are): %e', err) })
  }

  async function saveTail (): Promise<void> {
    if (store.writeTail === undefined) return
    view.ensure(() => logItems(arr))
    try {
      await store.writeTail(view.slice(-TAIL_CACHE_FRAMES))
    } catch (err) {
      log('could not write the tail cache: %e', err)
    }
  }

  function checkOpen (): void {
    if (closed) throw new InvalidArgumentError('room log is closed')
  }

  const roomLog: RoomLog = {
    get length () {
      view.ensure(() => logItems(arr))
      return view.length
    },
    get rawLength () { return arr.length },
    get rejections () { return guard.rejections },
    get changes () { return changes },

    async append (frame) {
      return await roomLog.appendMany([frame])
    },

    async appendMany (frames) {
      checkOpen()
      if (frames.length === 0) throw new InvalidArgumentError('no frames to append')
      const owned = frames.map((frame) => {
        if (!(frame instanceof Uint8Array)) throw new InvalidArgumentError('a frame is a Uint8Array')
        if (frame.length > MAX_FRAME_BYTES) throw new OversizedError(`frame of ${frame.length} bytes over ${MAX_FRAME_BYTES}`)
        if (frame.length < FRAME_ID_OFFSET + MESSAGE_ID_BYTES) throw new InvalidArgumentError('frame too short to hold a message id')
        // Copy: the caller may reuse its buffer, and the doc must hold exactly what was persisted. Not slice(): on a
        // Node Buffer that is a view of the same memory.
        return Uint8Array.from(frame)
      })
      lastLocalUpdate = undefined
      doc.on('update', onLocalUpdate)
      try {
        doc.transact((tr) => {
          for (const own of owned) {
            // What Y.Array#push does, minus its walk to the end of the list (push and insert(length) cost O(n) per call
            // without search markers, which made 100k appends quadratic): we keep a pointer to the last item instead.
            const left = lastItem()
            const item = new Y.Item(Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID)), left, left?.lastId ?? null,
              null, null, arr, null, new Y.ContentBinary(own))
            item.integrate(tr, 0)
          }
        }, LOCAL_ORIGIN)
      } finally {
        doc.off('update', onLocalUpdate)
      }
      const update = lastLocalUpdate as Uint8Array | undefined
      if (update === undefined) throw new Error('Yjs produced no update for a local insert')
      await track(store.append(update))
      return update
    },

    async applyRemote (update, origin) {
      checkOpen()
      const parsed = await guard.check(update)
      // Only updates that bring something we lack are applied and stored; re-deliveries are common and free.
      const novel = parsed.items.some(it => it.clock >= Y.getState(doc.store, it.client))
      if (!novel) return []
      const fresh: Uint8Array[] = []
      collected = fresh
      try {
        Y.applyUpdate(doc, update, origin)
      } catch (err) {
        // The guard admits only shapes Yjs handles (fuzzed); if Yjs still throws, the update is refused, not stored.
        log.error('an update that passed the guard failed in Yjs: %e', err)
        throw new RejectedLogUpdateError('malformed', 'Yjs could not apply the update', { cause: err })
      } finally {
        collected = undefined
      }
      // Items whose predecessors we lack wait in Yjs' pending store and are retried on every update. A peer could
      // fill it with frames that never resolve; past a bound it is dropped (sync brings back what is real).
      const pending = doc.store.pendingStructs
      if (pending !== null && pending.update.length > (init.maxPendingBytes ?? MAX_PENDING_UPDATE_BYTES)) {
        log('dropping %d bytes of unresolvable pending items', pending.update.length)
        doc.store.pendingStructs = null
      }
      await track(store.append(update))
      return fresh
    },

    lacksAfter (update) {
      if (doc.store.pendingStructs !== null) return true
      try {
        return !parseLogUpdate(update, init.limits).items.every(it => roomLog.has(it.frame.subarray(FRAME_ID_OFFSET, FRAME_ID_OFFSET + MESSAGE_ID_BYTES)))
      } catch {
        return true
      }
    },

    stateVector () { return Y.encodeStateVector(doc) },

    missingFor (remoteStateVector, maxChunkBytes = SYNC_CHUNK_BYTES) {
      const remote = decodeStateVector(remoteStateVector)
      const chunks: Uint8Array[] = []
      let runs: Array<{ client: number, items: LogItem[] }> = []
      let size = 0
      const flush = (): void => {
        if (runs.length > 0) chunks.push(encodeLogUpdate(runs))
        runs = []
        size = 0
      }
      const clients = [...doc.store.clients.keys()].sort((a, b) => a - b)
      for (const client of clients) {
        const structs = doc.store.clients.get(client) ?? []
        const from = remote.get(client) ?? 0
        if (from >= Y.getState(doc.store, client)) continue
        let run: { client: number, items: LogItem[] } | undefined
        for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
          const item = toLogItem(structs[i])
          const cost = itemEncodedSize(item)
          if (size > 0 && size + cost > maxChunkBytes) { flush(); run = undefined }
          if (run === undefined) { run = { client, items: [] }; runs.push(run) }
          run.items.push(item)
          size += cost
        }
      }
      flush()
      return chunks
    },

    frames (from, to) {
      view.ensure(() => logItems(arr))
      return view.slice(from, to)
    },

    has (id) { return id.length === MESSAGE_ID_BYTES && view.has(id) },

    onFrames (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },

    async compact () {
      checkOpen()
      // The store orders it after the appends already called (their updates are in the snapshot anyway).
      await track(store.compact(Y.encodeStateAsUpdate(doc)))
      await saveTail()
    },

    async saveTail () {
      checkOpen()
      await saveTail()
    },

    async close () {
      if (closed) return
      closed = true
      while (inflight.size > 0) await Promise.all(inflight)
      await saveTail()
      listeners.clear()
      await store.close()
      doc.destroy()
    }
  }
  return roomLog
}

/**
 * The default frame check: room write signature valid and a stored (not ephemeral) kind. A member passes the room's
 * `writeSeed` (relays never have it): the check then re-signs before it verifies, same verdicts for less work.
 */
export function roomFrameVerifier (writePublicKey: Uint8Array, roomId: Uint8Array, writeSeed?: Uint8Array): FrameVerifier {
  return async (frame) => {
    // verifyFrame's checks, with the signature verified in a batch: the guard asks for a whole sync chunk's frames
    // at once, and the batch is shared between this thread and worker threads.
    const header = parseFrame(frame)
    if (header.kind !== FrameKind.message) throw new MalformedError('ephemeral frames are never stored in the log')
    const sigStart = frame.length - SIGNATURE_BYTES
    if (!await verifyBatched(writePublicKey, frameSigningInput(roomId, frame.subarray(0, sigStart)), frame.subarray(sigStart), writeSeed)) {
      throw new BadSignatureError('room write signature does not verify')
    }
    return header
  }
}

function frameOfItem (item: Y.Item): Uint8Array {
  return (item.content as Y.ContentBinary).content
}

/** Reads one struct of our doc as a log item. Our doc only ever holds binary items (the guard sees to it). */
function toLogItem (struct: unknown): LogItem {
  if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentBinary)) {
    throw new Error('room log holds a struct that is not a binary item')
  }
  return {
    client: struct.id.client,
    clock: struct.id.clock,
    origin: struct.origin === null ? null : { client: struct.origin.client, clock: struct.origin.clock },
    rightOrigin: struct.rightOrigin === null ? null : { client: struct.rightOrigin.client, clock: struct.rightOrigin.clock },
    frame: struct.content.content
  }
}
