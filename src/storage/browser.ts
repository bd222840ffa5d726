/**
 * Browser StorageBackend (`#storage` browser condition): one IndexedDB database with object stores `updates`
 * (room logs, see idb-update-store.ts) and `meta` (small records, key = string, value = Uint8Array).
 * With `exclusive` (default), the database is held through a Web Lock so a second tab of the same profile gets
 * DataDirLockedError instead of a second peer writing the same logs and reusing sequence numbers.
 */
import { DataDirLockedError, InvalidArgumentError } from '../errors.ts'
import { UPDATES_STORE, openIdbUpdateStore, readReq, writeTx } from './idb-update-store.ts'
import type { StorageBackend } from '../history/types.ts'
import { OpenRooms } from './open-rooms.ts'

const META_STORE = 'meta'
const DB_VERSION = 1

/** Options of the browser {@link openStorage}. */
export interface BrowserStorageOptions {
  /** IndexedDB database name (default 'chatsphere'); one per identity/profile. */
  name?: string
  /** Hold a Web Lock on the database while open (default true; skipped where `navigator.locks` does not exist). */
  exclusive?: boolean
  /** The IndexedDB factory (default the global `indexedDB`). */
  indexedDB?: IDBFactory
}

function openDb (factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, DB_VERSION)
    req.onupgradeneeded = () => {
      const db = req.result
      if (!db.objectStoreNames.contains(UPDATES_STORE)) db.createObjectStore(UPDATES_STORE)
      if (!db.objectStoreNames.contains(META_STORE)) db.createObjectStore(META_STORE)
    }
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('cannot open IndexedDB')) }
    req.onblocked = () => { reject(new DataDirLockedError(`IndexedDB database ${name} is blocked by another tab with an older version open`)) }
  })
}

/** Takes a Web Lock for the life of the storage; resolves with its release function, or throws DataDirLockedError. */
async function holdLock (name: string): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (locks === undefined) return () => {}
  return await new Promise((resolve, reject) => {
    locks.request(`chatsphere-storage:${name}`, { ifAvailable: true }, async (lock) => {
      if (lock === null) {
        reject(new DataDirLockedError(`ChatSphere is already open in another tab of this browser (storage ${name}). Close it there first.`))
        return
      }
      await new Promise<void>(release => { resolve(release) })
    }).catch(reject)
  })
}

/** Opens the browser storage. */
export async function openStorage (opts: BrowserStorageOptions = {}): Promise<StorageBackend> {
  const name = opts.name ?? 'chatsphere'
  const release = opts.exclusive === false ? () => {} : await holdLock(name)
  let db: IDBDatabase
  try {
    db = await openDb(opts.indexedDB ?? indexedDB, name)
  } catch (err) {
    release()
    throw err
  }
  const rooms = new OpenRooms()
  let closed = false
  const checkOpen = (): void => { if (closed) throw new InvalidArgumentError('storage is closed') }
  const checkKey = (key: string): void => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 256) throw new InvalidArgumentError('storage key must be 1-256 characters')
  }

  return {
    async openRoom (roomKey) {
      checkOpen()
      checkKey(roomKey)
      return await rooms.open(roomKey, async () => await openIdbUpdateStore(db, roomKey))
    },
    async getMeta (key) {
      checkOpen()
      checkKey(key)
      const v = await readReq(db, META_STORE, s => s.get(key))
      if (v === undefined) return undefined
      return v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer)
    },
    async setMeta (key, value) {
      checkOpen()
      checkKey(key)
      const copy = value.slice()
      await writeTx(db, META_STORE, s => { s.put(copy, key) })
    },
    async close () {
      if (closed) return
      closed = true
      await rooms.closeAll()
      db.close()
      release()
    }
  }
}
