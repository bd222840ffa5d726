/**
 * Tells a failure of the browser's own storage (IndexedDB could not be opened or read) from any other start error,
 * so the app can say in plain words that this browser lost or cannot open its local data.
 */

/** DOMException names IndexedDB uses when the backing store is corrupt, missing, full or unreadable. */
const STORAGE_ERROR_NAMES = new Set(['UnknownError', 'InvalidStateError', 'VersionError', 'QuotaExceededError', 'NotReadableError', 'DataError', 'AbortError'])

/** Messages of storage failures that reach us wrapped in a plain Error (Chromium's own text included). */
const STORAGE_MESSAGE = /indexeddb|backing store|IDBDatabase|IDBObjectStore|IDBTransaction/i

/** True when `err` says the browser's local database cannot be opened or used. */
export function isStorageFailure (err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { name, message } = err as { name?: unknown, message?: unknown }
  // DataDirLockedError (another tab holds the store) is not a loss: the generic screen shows its message.
  if (name === 'DataDirLockedError') return false
  if (typeof name === 'string' && STORAGE_ERROR_NAMES.has(name) && (err instanceof DOMException || STORAGE_MESSAGE.test(String(message)))) return true
  return typeof message === 'string' && STORAGE_MESSAGE.test(message)
}
