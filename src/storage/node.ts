/**
 * Node StorageBackend (`#storage` default condition): a data directory
 *   LOCK             exclusive lock (dir-lock.ts)
 *   rooms/<key>.log  one update file per room (file-update-store.ts)
 *   meta/<key>       small records, each replaced atomically (temp file, fsync, rename, dir fsync)
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { lockDataDir } from './dir-lock.ts'
import { openFileUpdateStore, syncDir } from './file-update-store.ts'
import type { StorageBackend } from '../history/types.ts'
import { OpenRooms } from './open-rooms.ts'

/** Room keys and meta keys become file names: letters, digits, `-`, `_` and `.` (not leading), at most 128. */
const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

function checkKey (key: string): void {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new InvalidArgumentError(`storage key must match ${KEY_PATTERN.source} (a hex room id, for example)`)
  }
}

/** Options of the Node {@link openStorage}. */
export interface NodeStorageOptions {
  /** The data directory (created if missing). Only one process may open it at a time. */
  dir: string
}

/** Opens (creating if needed) and locks a data directory. Throws DataDirLockedError when another process has it. */
export async function openStorage (opts: NodeStorageOptions): Promise<StorageBackend & { readonly dir: string }> {
  const { dir } = opts
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('openStorage needs { dir }')
  await mkdir(dir, { recursive: true })
  const lock = await lockDataDir(dir)
  const roomsDir = join(dir, 'rooms')
  const metaDir = join(dir, 'meta')
  try {
    await mkdir(roomsDir, { recursive: true })
    await mkdir(metaDir, { recursive: true })
    await syncDir(dir)
  } catch (err) {
    await lock.release()
    throw err
  }
  const rooms = new OpenRooms()
  let closed = false

  function checkOpen (): void {
    if (closed) throw new InvalidArgumentError('storage is closed')
  }

  return {
    dir,
    async openRoom (roomKey) {
      checkOpen()
      checkKey(roomKey)
      return await rooms.open(roomKey, async () => await openFileUpdateStore({ path: join(roomsDir, `${roomKey}.log`) }))
    },

    async getMeta (key) {
      checkOpen()
      checkKey(key)
      try {
        const b = await readFile(join(metaDir, key))
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },

    async setMeta (key, value) {
      checkOpen()
      checkKey(key)
      const tmp = join(metaDir, `.${key}.tmp`)
      const fh = await open(tmp, 'w')
      try {
        await fh.writeFile(value)
        await fh.sync()
      } finally { await fh.close() }
      await rename(tmp, join(metaDir, key))
      await syncDir(metaDir)
    },

    async close () {
      if (closed) return
      closed = true
      await rooms.closeAll()
      await lock.release()
    }
  }
}
