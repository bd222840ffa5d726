// What the app keeps of a room in IndexedDB, read and tampered with from the page: the shown-tail record a tail-first
// open starts from, and a history read made to fail (a damaged store) on the next page load.
import type { Page } from 'playwright-core'

const SHOWN_TAIL_PREFIX = 'opened-shown-'

/** The id of a room whose shown-tail record the app has written, or false while there is none. */
export async function roomWithShownTail (page: Page): Promise<string | false> {
  return await page.evaluate(async (prefix) => await new Promise<string | false>((resolve) => {
    const open = indexedDB.open('chatsphere')
    open.onsuccess = () => {
      const db = open.result
      const req = db.transaction('meta', 'readonly').objectStore('meta').getAllKeys()
      req.onsuccess = () => {
        db.close()
        const key = req.result.map(String).find(k => k.startsWith(prefix))
        resolve(key === undefined ? false : key.slice(prefix.length))
      }
      req.onerror = () => { db.close(); resolve(false) }
    }
    open.onerror = () => { resolve(false) }
  }), SHOWN_TAIL_PREFIX)
}

/** On the next load of the page only, reading the room's stored history (its updates) fails as a damaged store would. */
export async function failHistoryReadOnNextLoad (page: Page, roomId: string): Promise<void> {
  await page.addInitScript((id) => {
    if (sessionStorage.getItem('cs-test-fail-read') !== id) return
    sessionStorage.removeItem('cs-test-fail-read')
    const getAll = IDBObjectStore.prototype.getAll
    IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, query?: IDBValidKey | IDBKeyRange | null, count?: number) {
      const lower = query instanceof IDBKeyRange ? query.lower as unknown : undefined
      if (this.name === 'updates' && Array.isArray(lower) && lower[0] === id) throw new DOMException('the test made this read fail', 'UnknownError')
      return getAll.call(this, query, count)
    }
  }, roomId)
  await page.evaluate((id) => { sessionStorage.setItem('cs-test-fail-read', id) }, roomId)
}
