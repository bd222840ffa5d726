/**
 * A tiny key/value store in IndexedDB for what belongs to this device only: the identity seed and the local
 * profile. Room histories live in the core's storage backend, not here.
 */
import { rescueDeviceValues, rescuedDeviceValues } from '../storage/device-rescue.ts'

const DB_NAME = 'chatsphere-device'
const STORE = 'kv'

/**
 * Chromium reports an IndexedDB store it deleted as corrupt (after a crash, see src/storage/rescue-copy.ts) with one
 * UnknownError on the first call after the deletion; the next call works on a new, empty store.
 */
async function onceMoreIfDeleted<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof DOMException && err.name === 'UnknownError') return await fn()
    throw err
  }
}

function open (): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('IndexedDB open failed')) }
  })
}

async function run<T> (mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await onceMoreIfDeleted(open)
  try {
    return await new Promise<T>((resolve, reject) => {
      // strict durability: a seed the UI says is saved must survive the tab closing right after.
      const tx = db.transaction(STORE, mode, { durability: 'strict' })
      const req = fn(tx.objectStore(STORE))
      tx.oncomplete = () => { resolve(req.result as T) }
      tx.onerror = () => { reject(tx.error ?? new Error('IndexedDB transaction failed')) }
      tx.onabort = () => { reject(tx.error ?? new Error('IndexedDB transaction aborted')) }
    })
  } finally {
    db.close()
  }
}

/**
 * True when this device has never stored anything here. Checked without opening (which would create the database,
 * slow on a fresh browser profile) so a first visit shows onboarding at once.
 */
export async function isFreshDevice (): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return false
  const dbs = await onceMoreIfDeleted(async () => await indexedDB.databases())
  if (dbs.some((d) => d.name === DB_NAME)) return false
  // No device database: a first visit, or a store the browser deleted; its rescue copy, if any, is put back.
  const rescued = await rescuedDeviceValues()
  if (rescued.size === 0) return true
  for (const [key, value] of rescued) await run('readwrite', (s) => s.put(value, key))
  return false
}

export function getDeviceValue<T> (key: string): Promise<T | undefined> {
  return run<T | undefined>('readonly', (s) => s.get(key))
}

export async function setDeviceValue (key: string, value: unknown): Promise<void> {
  await run('readwrite', (s) => s.put(value, key))
  await rescueDeviceValues([[key, value]])
}

/** Writes several keys in one transaction (one open and one durable commit instead of one per key). */
export async function setDeviceValues (entries: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
  await run('readwrite', (s) => {
    let last: IDBRequest | undefined
    for (const [key, value] of entries) last = s.put(value, key)
    if (last === undefined) throw new TypeError('no values to write')
    return last
  })
  await rescueDeviceValues(entries)
}

export async function deleteDeviceValue (key: string): Promise<void> {
  await run('readwrite', (s) => s.delete(key))
  await rescueDeviceValues([[key, undefined]])
}
