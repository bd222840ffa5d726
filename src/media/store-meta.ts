/**
 * Media store over a StorageBackend's small records (the default when a chat is given `storage` instead of a data
 * dir: IndexedDB in the browser, memory in tests): one record per chunk `media-<hash>-<index>` and one state record
 * `media-<hash>` and the chunk hash list `media-<hash>-hashes`. Each setMeta is durable when it resolves, so a chunk is durable once appended; the state record
 * (the resume point) is written at flush.
 */
import { MAX_MEDIA_CHUNKS, MEDIA_FLUSH_CHUNKS } from '../constants.ts'
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.ts'
import { checkHashText, checkShape, decodeEntryState, encodeEntryState } from './store-state.ts'
import { chunkCount, chunkLength } from './crypto.ts'
import type { StorageBackend } from '../history/types.ts'
import type { MediaEntryState, MediaStore, MediaWriter } from './types.ts'

/** A media store kept in `storage` (which the chat owns and closes). */
export function metaMediaStore (storage: StorageBackend): MediaStore {
  const writing = new Set<string>()
  const stateKey = (hash: string): string => { checkHashText(hash); return `media-${hash}` }
  const chunkKey = (hash: string, index: number): string => `media-${hash}-${index}`

  async function state (hash: string): Promise<MediaEntryState | undefined> {
    const b = await storage.getMeta(stateKey(hash))
    return b == null ? undefined : decodeEntryState(b)
  }

  return {
    state,
    async writer (hash, size, chunkBytes) {
      checkShape(size, chunkBytes)
      if (writing.has(hash)) throw new InvalidArgumentError('this file is already being written')
      const prev = await state(hash)
      const total = chunkCount(size, chunkBytes)
      let have = prev != null && prev.size === size && prev.chunkBytes === chunkBytes ? prev.have : 0
      let pending = 0
      let complete = false
      let released = false
      writing.add(hash)
      const persist = async (): Promise<void> => {
        have += pending
        pending = 0
        await storage.setMeta(stateKey(hash), encodeEntryState({ size, chunkBytes, have, complete }))
      }
      const w: MediaWriter = {
        get have () { return have + pending },
        async append (chunk) {
          const index = have + pending
          if (index >= total) throw new InvalidArgumentError('file has no more chunks')
          if (chunk.length !== chunkLength(size, index, chunkBytes)) throw new InvalidArgumentError('chunk has the wrong length')
          await storage.setMeta(chunkKey(hash, index), chunk)
          pending++
          if (pending >= MEDIA_FLUSH_CHUNKS) await persist()
        },
        async flush () { if (pending > 0) await persist() },
        async complete () {
          if (have + pending !== total) throw new InvalidArgumentError('file is not complete')
          complete = true
          await persist()
        },
        async close () {
          if (released) return
          released = true
          try { if (pending > 0) await persist() } finally { writing.delete(hash) }
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
      const s = await state(hash)
      if (s == null || index >= s.have) throw new NotFoundError('chunk not stored')
      const b = await storage.getMeta(chunkKey(hash, index))
      if (b == null) throw new NotFoundError('chunk not stored')
      if (b.length !== chunkLength(s.size, index, s.chunkBytes)) throw new CorruptStoreError('stored media chunk has the wrong length')
      return b
    },
    async close () {}
  }
}
