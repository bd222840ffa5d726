/**
 * A tiny key/value store in IndexedDB for what belongs to this device only: the identity seed and the local
 * profile. Room histories live in the core's storage backend, not here.
 */
const DB_NAME = 'chatsphere-device'
const STORE = 'kv'

function open (): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('IndexedDB open failed')) }
  })
}

async function run<T> (mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open()
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
  const dbs = await indexedDB.databases()
  return !dbs.some((d) => d.name === DB_NAME)
}

export function getDeviceValue<T> (key: string): Promise<T | undefined> {
  return run<T | undefined>('readonly', (s) => s.get(key))
}

export async function setDeviceValue (key: string, value: unknown): Promise<void> {
  await run('readwrite', (s) => s.put(value, key))
}

export async function deleteDeviceValue (key: string): Promise<void> {
  await run('readwrite', (s) => s.delete(key))
}
