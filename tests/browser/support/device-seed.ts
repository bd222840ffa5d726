// Reads the identity seed the web app keeps in its device database (web/src/state/device-db.ts), as hex.
import type { Page } from 'playwright-core'

/** The identity seed in the page's device database, hex. */
export async function deviceSeedHex (page: Page): Promise<string> {
  return await page.evaluate(async () => await new Promise<string>((resolve, reject) => {
    const req = indexedDB.open('chatsphere-device')
    req.onerror = () => { reject(req.error) }
    req.onsuccess = () => {
      const get = req.result.transaction('kv').objectStore('kv').get('identity-seed')
      get.onsuccess = () => { resolve([...(get.result as Uint8Array)].map(b => b.toString(16).padStart(2, '0')).join('')); req.result.close() }
      get.onerror = () => { reject(get.error) }
    }
  }))
}
