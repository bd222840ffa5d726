/**
 * Media store over a StorageBackend's small records (the default when a chat is given `storage` instead of a data
 * dir: IndexedDB in the browser, memory in tests). Chunks are kept in groups of MEDIA_RECORD_CHUNKS per record
 * `media-<hash>-g<k>` (a 10 MiB file is 10 writes, not 160: each record write is a durable transaction), beside a
 * state record `media-<hash>` (the resume point) and the chunk hash list `media-<hash>-hashes`. A group is written
 * when it fills and at every flush (a partial group is rewritten as it grows); the state record follows its data.
 * Group writes run behind the caller (one at a time), so a receiver verifies the next chunks while IndexedDB commits.
 */
import { MAX_MEDIA_CHUNKS, MEDIA_RECORD_CHUNKS } from '../constants.ts'
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.ts'
import { checkHashText, checkShape, decodeEntryState, encodeEntryState } from './store-state.ts'
import { chunkCount, chunkLength } from './crypto.ts'
import type { StorageBackend } from '../history/types.ts'
import type { MediaEntryState, MediaStore, MediaWriter } from './types.ts'

/** Most complete-file states remembered (small records; the map is simply emptied when full). */
const MAX_COMPLETE_STATES = 256

/** A media store kept in `storage` (which the chat owns and closes). */
export function metaMediaStore (storage: StorageBackend): MediaStore {
  const writing = new Set<string>()
  const stateKey = (hash: string): string => { checkHashText(hash); return `media-${hash}` }
  const groupKey = (hash: string, group: number): string => `media-${hash}-g${group}`
  /** The last group read (a server reads the chunks of a group one after another). */
  let cached: { key: string, bytes: Uint8Array } | undefined
  /** States of complete files (they never change again): a server reads every chunk of one file in turn. */
  const completeStates = new Map<string, MediaEntryState>()

  async function state (hash: string): Promise<MediaEntryState | undefined> {
    const b = await storage.getMeta(stateKey(hash))
    return b == null ? undefined : decodeEntryState(b)
  }

  /** Byte offset of chunk `index` inside its group record. */
  const offsetInGroup = (index: number, chunkBytes: number): number => (index % MEDIA_RECORD_CHUNKS) * chunkBytes

  return {
    state,
    async writer (hash, size, chunkBytes) {
      checkShape(size, chunkBytes)
      if (writing.has(hash)) throw new InvalidArgumentError('this file is already being written')
      const prev = await state(hash)
      const total = chunkCount(size, chunkBytes)
      let have = prev != null && prev.size === size && prev.chunkBytes === chunkBytes ? prev.have : 0
      // Chunks of the current group already in its record (a resume inside a group starts from them).
      let group: Uint8Array[] = []
      if (have % MEDIA_RECORD_CHUNKS !== 0) {
        const g = Math.floor(have / MEDIA_RECORD_CHUNKS)
        const rec = await storage.getMeta(groupKey(hash, g))
        const first = g * MEDIA_RECORD_CHUNKS
        for (let i = first; i < have; i++) {
          const off = offsetInGroup(i, chunkBytes)
          const len = chunkLength(size, i, chunkBytes)
          if (rec == null || rec.length < off + len) { have = i; break }
          group.push(rec.slice(off, off + len))
        }
      }
      /** Chunks appended (durable or being written); `have` counts the durable ones. */
      let next = have
      /** Index one past the last chunk whose group record write has started. */
      let written = have
      let complete = false
      let released = false
      writing.add(hash)
      /**
       * Write-behind: a full group's record (then the state record after it) is written while the caller goes on
       * verifying the next chunks; at most one write runs, the next append that fills a group waits for it (memory
       * stays at two groups). A failed write is thrown by the next call.
       */
      let inflight: Promise<void> = Promise.resolve()
      let failed: unknown
      const check = (): void => { if (failed !== undefined) throw failed }
      const startWrite = async (): Promise<void> => {
        await inflight
        check()
        const upTo = next
        const g = Math.floor((upTo - 1) / MEDIA_RECORD_CHUNKS)
        let rec: Uint8Array | undefined
        if (upTo > written) {
          rec = new Uint8Array(group.reduce((n, c) => n + c.length, 0))
          let off = 0
          for (const c of group) { rec.set(c, off); off += c.length }
          if (upTo % MEDIA_RECORD_CHUNKS === 0) group = []
          written = upTo
        }
        const record = encodeEntryState({ size, chunkBytes, have: upTo, complete })
        inflight = (async () => {
          if (rec != null) {
            await storage.setMeta(groupKey(hash, g), rec)
            if (cached?.key === groupKey(hash, g)) cached = undefined
          }
          await storage.setMeta(stateKey(hash), record)
          have = upTo
        })().catch((err: unknown) => { failed = err })
      }
      const persist = async (): Promise<void> => {
        await startWrite()
        await inflight
        check()
      }
      const w: MediaWriter = {
        get have () { return next },
        async append (chunk) {
          check()
          const index = next
          if (index >= total) throw new InvalidArgumentError('file has no more chunks')
          if (chunk.length !== chunkLength(size, index, chunkBytes)) throw new InvalidArgumentError('chunk has the wrong length')
          // Kept by reference until its group is written (MediaWriter.append: the caller does not change it).
          group.push(chunk)
          next++
          if (next % MEDIA_RECORD_CHUNKS === 0) await startWrite()
        },
        async flush () { if (next > have) await persist() },
        async complete () {
          if (next !== total) throw new InvalidArgumentError('file is not complete')
          await inflight
          complete = true
          await persist()
          completeStates.set(hash, { size, chunkBytes, have: total, complete: true })
        },
        async close () {
          if (released) return
          released = true
          try {
            await inflight
            if (failed === undefined && next > have) await persist()
          } finally { writing.delete(hash) }
        }
      }
      return w
    },
    async saveHashes (hash, hashes) {
      if (hashes.length % 32 !== 0 || hashes.length > MAX_MEDIA_CHUNKS * 32) throw new InvalidArgumentError('bad chunk hash list')
      await storage.setMeta(`${stateKey(hash)}-hashes`, hashes)
    },
    async loadHashes (hash) {
      const b = await storage.getMeta(`${stateKey(hash)}-hashes`)
      if (b != null && (b.length % 32 !== 0 || b.length > MAX_MEDIA_CHUNKS * 32)) throw new CorruptStoreError('stored chunk hash list has a bad length')
      return b
    },
    async readChunk (hash, index) {
      let s = completeStates.get(hash)
      if (s == null) {
        s = await state(hash)
        if (s?.complete === true) {
          if (completeStates.size >= MAX_COMPLETE_STATES) completeStates.clear()
          completeStates.set(hash, s)
        }
      }
      if (s == null || index >= s.have) throw new NotFoundError('chunk not stored')
      const key = groupKey(hash, Math.floor(index / MEDIA_RECORD_CHUNKS))
      let rec = cached?.key === key ? cached.bytes : undefined
      if (rec == null) {
        rec = await storage.getMeta(key)
        if (rec == null) throw new NotFoundError('chunk not stored')
        cached = { key, bytes: rec }
      }
      const off = offsetInGroup(index, s.chunkBytes)
      const len = chunkLength(s.size, index, s.chunkBytes)
      if (rec.length < off + len) throw new CorruptStoreError('stored media group is shorter than its chunks')
      // A view, not a copy: records read are never written to (a write makes a new record and drops this cache).
      return rec.subarray(off, off + len)
    },
    async close () { cached = undefined; completeStates.clear() }
  }
}
