/**
 * Node UpdateStore: one append-only file per room of checksummed, length-prefixed records (format in
 * record-file.ts and PROTOCOL.md "Storage"). An append resolves only after fdatasync; appends that arrive while a
 * sync is running are written and synced together (group commit), so a burst costs one sync, not one per update.
 * A torn tail left by a crash is cut off on open. Compaction writes a new file, syncs it, renames it over the old one
 * and syncs the directory, so at every instant either the old or the new file is complete on disk.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { logger } from '@libp2p/logger'
import { CorruptStoreError, InvalidArgumentError } from '../errors.ts'
import { FILE_MAGIC, TAIL_MAGIC, encodeRecord, scanRecords } from './record-file.ts'
import type { FileHandle } from 'node:fs/promises'
import type { UpdateStore } from '../history/types.ts'

const log = logger('chatsphere:storage')

/** Syncs a directory so a created, renamed or removed entry in it survives a crash. */
export async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

/** A Buffer's bytes as a plain Uint8Array (callers compare and hand them on; Buffer's extras are not wanted). */
function plain (b: Buffer): Uint8Array { return new Uint8Array(b.buffer, b.byteOffset, b.byteLength) }

async function writeAll (fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off)
    off += bytesWritten
  }
}

export interface FileUpdateStoreInit {
  /** Path of the room file (created, with its directory entry synced, when missing). */
  path: string
}

/** Opens a room file, repairing a torn tail. Throws CorruptStoreError when the file is not an update file. */
export async function openFileUpdateStore (init: FileUpdateStoreInit): Promise<UpdateStore & { readonly path: string, readonly durableWrites: number }> {
  const { path } = init
  let fh: FileHandle | undefined
  let closed = false
  let pending: Array<{ bytes: Uint8Array, resolve: () => void, reject: (err: unknown) => void }> = []
  let flushing: Promise<void> | undefined
  let compacting: Promise<void> = Promise.resolve()
  /** Appending write + fdatasync pairs done (one per group-committed batch), for tests and benchmarks. */
  let durableWrites = 0
  /** Tail of the admission chain of appends (never rejects). */
  let admit: Promise<void> = Promise.resolve()

  async function handle (): Promise<FileHandle> {
    if (fh === undefined) fh = await open(path, 'a')
    return fh
  }

  // A foreign file is refused at open (cheap: the header only). The full read, check and repair of the records
  // runs on the first load/append/compact, so the tail cache can be read before a big file is scanned.
  {
    let head = new Uint8Array(0)
    try {
      const f = await open(path, 'r')
      try {
        const buf = new Uint8Array(FILE_MAGIC.length)
        const { bytesRead } = await f.read(buf, 0, buf.length, 0)
        head = buf.subarray(0, bytesRead)
      } finally { await f.close() }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (scanRecords(head).badHeader) throw new CorruptStoreError(`${path} is not a ChatSphere history file`)
  }

  let initial: Uint8Array[] = []
  let consumed = false
  let ready: Promise<void> | undefined
  /** Reads all records once, repairing before anyone appends behind a torn record. */
  const ensureReady = (): Promise<void> => (ready ??= (async () => {
    let bytes: Uint8Array
    try {
      bytes = plain(await readFile(path))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      bytes = new Uint8Array(0)
    }
    const scan = scanRecords(bytes)
    if (scan.badHeader) throw new CorruptStoreError(`${path} is not a ChatSphere history file`)
    if (scan.damagedBeforeEnd) {
      // Not a crash artefact: keep the cut-off bytes next to the file for inspection, never destroy them silently.
      const aside = `${path}.damaged-${Date.now()}`
      await writeFile(aside, bytes.subarray(scan.validEnd))
      log.error('%s is damaged at byte %d; the %d bytes after it were moved to %s', path, scan.validEnd, bytes.length - scan.validEnd, aside)
    }
    if (bytes.length === 0 || scan.validEnd < FILE_MAGIC.length) {
      await writeFile(path, FILE_MAGIC)
      const f = await open(path, 'r+')
      try { await f.datasync() } finally { await f.close() }
      await syncDir(dirname(path))
    } else if (scan.validEnd < bytes.length) {
      log('%s: dropping a torn tail of %d bytes', path, bytes.length - scan.validEnd)
      const f = await open(path, 'r+')
      try { await f.truncate(scan.validEnd); await f.datasync() } finally { await f.close() }
    }
    initial = scan.records
  })())

  async function flush (): Promise<void> {
    while (pending.length > 0) {
      const batch = pending
      pending = []
      try {
        const f = await handle()
        const parts = batch.map(p => p.bytes)
        const total = parts.reduce((n, p) => n + p.length, 0)
        const buf = new Uint8Array(total)
        let off = 0
        for (const p of parts) { buf.set(p, off); off += p.length }
        await writeAll(f, buf)
        await f.datasync()
        durableWrites++
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    flushing = undefined
  }

  return {
    path,
    get durableWrites () { return durableWrites },
    async load () {
      await ensureReady()
      if (!consumed) {
        consumed = true
        const out = initial
        initial = []
        return out
      }
      // Later loads (rare) read the file again; appends are synced, so the file is the truth.
      await compacting
      const scan = scanRecords(plain(await readFile(path)))
      return scan.records
    },

    append (update) {
      if (closed) return Promise.reject(new InvalidArgumentError('store is closed'))
      if (update.length === 0) return Promise.reject(new InvalidArgumentError('empty update'))
      // Encoded now (a copy): the caller may reuse its buffer once append returns.
      const bytes = encodeRecord(update)
      return new Promise<void>((resolve, reject) => {
        // Admission is an explicit chain so records reach the file in call order (a later update may depend on an
        // earlier one: a record on disk without its predecessor would be unreadable), whatever the awaits inside.
        // Only admission is ordered; durability is shared: every record admitted while a sync runs joins the next
        // write + fdatasync (group commit), and each promise resolves after the sync that covers its record.
        admit = admit.then(async () => {
          try { await ensureReady() } catch (err) { reject(err); return }
          pending.push({ bytes, resolve, reject })
          flushing ??= Promise.resolve().then(flush)
        })
      })
    },

    async compact (merged) {
      if (closed) throw new InvalidArgumentError('store is closed')
      // In the admission chain: appends called before it are flushed into the old file first (their updates are
      // also in `merged`), appends called after it go to the new file.
      const run = new Promise<void>((resolve, reject) => {
        admit = admit.then(async () => {
          try {
            await ensureReady()
            while (flushing !== undefined) await flushing
            const tmp = join(dirname(path), `.${basename(path)}.compact`)
            const f = await open(tmp, 'w')
            try {
              await writeAll(f, FILE_MAGIC)
              await writeAll(f, encodeRecord(merged))
              await f.datasync()
            } finally { await f.close() }
            if (fh !== undefined) { await fh.close(); fh = undefined }
            await rename(tmp, path)
            await syncDir(dirname(path))
            initial = []
            consumed = true
            resolve()
          } catch (err) { reject(err) }
        })
      })
      compacting = run.catch(() => {})
      return await run
    },

    async readTail () {
      try {
        const scan = scanRecords(plain(await readFile(`${path}.tail`)), undefined, TAIL_MAGIC)
        return scan.badHeader ? undefined : scan.records
      } catch {
        return undefined
      }
    },

    async writeTail (frames) {
      // A cache: atomic (rename) so it is never half-written, but not synced; a lost tail is only a slower first paint.
      const parts = [TAIL_MAGIC, ...frames.map(encodeRecord)]
      const tmp = join(dirname(path), `.${basename(path)}.tail.tmp`)
      await writeFile(tmp, Buffer.concat(parts))
      await rename(tmp, `${path}.tail`)
    },

    async close () {
      if (closed) return
      closed = true
      await admit
      if (flushing !== undefined) await flushing
      if (fh !== undefined) { await fh.close(); fh = undefined }
    }
  }
}

/** Removes a room file (used when a room is left). */
export async function removeFileUpdateStore (path: string): Promise<void> {
  await rm(path, { force: true })
  await syncDir(dirname(path))
}
