/**
 * Node media store (`#media-store` default condition): one directory, per file (named by its content hash)
 *   <hash>.data   the plaintext, chunks written in order (only verified chunks are ever written)
 *   <hash>.hashes the chunk hash list (n × 32 bytes, checked against the message's root before it was written)
 *   <hash>.state  CBOR { size, chunk, have, complete }, replaced atomically after the data it counts is fsynced
 * A crash loses at most the chunks after the last flush; the data file is cut back to `have` chunks on resume.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import { MAX_MEDIA_CHUNKS, MEDIA_FLUSH_CHUNKS } from '../constants.ts'
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.ts'
import { checkHashText, checkShape, decodeEntryState, encodeEntryState } from './store-state.ts'
import { chunkCount, chunkLength } from './crypto.ts'
import type { MediaEntryState, MediaStore, MediaWriter } from './types.ts'

/** Most complete files kept open for reading at once. */
const MAX_OPEN_READERS = 8

async function writeAtomic (path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally { await fh.close() }
  await rename(tmp, path)
}

/** Opens (creating) the media directory `dir`. The caller holds the data dir lock, so no other process writes here. */
export async function openDirMediaStore (dir: string): Promise<MediaStore> {
  await mkdir(dir, { recursive: true })
  const writing = new Set<string>()
  /** States of complete files (they never change again): a server reads many chunks of one file. */
  const completeStates = new Map<string, MediaEntryState>()
  /** Open read handles of complete files (insertion order = age). */
  const readers = new Map<string, FileHandle>()
  let closed = false
  const paths = (hash: string): { data: string, state: string, hashes: string } => {
    checkHashText(hash)
    return { data: join(dir, `${hash}.data`), state: join(dir, `${hash}.state`), hashes: join(dir, `${hash}.hashes`) }
  }

  async function state (hash: string): Promise<MediaEntryState | undefined> {
    try {
      const b = await readFile(paths(hash).state)
      return decodeEntryState(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  return {
    state,
    async writer (hash, size, chunkBytes) {
      if (closed) throw new InvalidArgumentError('media store is closed')
      checkShape(size, chunkBytes)
      const p = paths(hash)
      if (writing.has(hash)) throw new InvalidArgumentError('this file is already being written')
      const prev = await state(hash)
      const total = chunkCount(size, chunkBytes)
      let have = prev != null && prev.size === size && prev.chunkBytes === chunkBytes ? prev.have : 0
      let complete = prev?.complete === true && have === total
      writing.add(hash)
      const fh = await open(p.data, 'a+').then(async (f) => { await f.close(); return await open(p.data, 'r+') })
      await fh.truncate(have * chunkBytes)
      let pending = 0
      let released = false
      const persist = async (): Promise<void> => {
        await fh.datasync()
        have += pending
        pending = 0
        await writeAtomic(p.state, encodeEntryState({ size, chunkBytes, have, complete }))
        if (complete) completeStates.set(hash, { size, chunkBytes, have, complete })
      }
      const flush = async (): Promise<void> => { if (pending > 0) await persist() }
      const w: MediaWriter = {
        get have () { return have + pending },
        async append (chunk) {
          const index = have + pending
          if (index >= total) throw new InvalidArgumentError('file has no more chunks')
          if (chunk.length !== chunkLength(size, index, chunkBytes)) throw new InvalidArgumentError('chunk has the wrong length')
          await fh.write(chunk, 0, chunk.length, index * chunkBytes)
          pending++
          if (pending >= MEDIA_FLUSH_CHUNKS) await flush()
        },
        flush,
        async complete () {
          if (have + pending !== total) throw new InvalidArgumentError('file is not complete')
          complete = true
          await persist()
        },
        async close () {
          if (released) return
          released = true
          try { await flush() } finally {
            await fh.close()
            writing.delete(hash)
          }
        }
      }
      return w
    },
    async saveHashes (hash, hashes) {
      if (hashes.length % 32 !== 0 || hashes.length > MAX_MEDIA_CHUNKS * 32) throw new InvalidArgumentError('bad chunk hash list')
      await writeAtomic(paths(hash).hashes, hashes)
    },
    async loadHashes (hash) {
      try {
        const b = await readFile(paths(hash).hashes)
        if (b.length % 32 !== 0 || b.length > MAX_MEDIA_CHUNKS * 32) throw new CorruptStoreError('stored chunk hash list has a bad length')
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async readChunk (hash, index) {
      const s = completeStates.get(hash) ?? await state(hash)
      if (s == null || index >= s.have) throw new NotFoundError('chunk not stored')
      let fh: FileHandle | undefined
      if (s.complete) {
        completeStates.set(hash, s)
        fh = readers.get(hash)
        if (fh == null) {
          fh = await open(paths(hash).data, 'r')
          readers.set(hash, fh)
          // A server reads every chunk of a file in turn: keep a few complete files open, close the oldest.
          for (const [h, old] of readers) {
            if (readers.size <= MAX_OPEN_READERS) break
            readers.delete(h)
            void old.close().catch(() => {})
          }
        }
      }
      const handle = fh ?? await open(paths(hash).data, 'r')
      try {
        const len = chunkLength(s.size, index, s.chunkBytes)
        const out = new Uint8Array(len)
        const { bytesRead } = await handle.read(out, 0, len, index * s.chunkBytes)
        if (bytesRead !== len) throw new NotFoundError('chunk not stored')
        return out
      } finally {
        if (fh == null) await handle.close()
      }
    },
    async close () {
      closed = true
      for (const fh of readers.values()) await fh.close().catch(() => {})
      readers.clear()
    }
  }
}
