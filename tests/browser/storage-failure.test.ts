// When this browser's IndexedDB cannot be opened (as Chromium does after it declares a store corrupt following a
// crash), the app shows a plain, accessible error screen with its ways out, never a blank page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { createIdentity } from './support/flows.ts'
import type { Page } from 'playwright-core'

/** localStorage flags read by the init script of this test only (set from the test, before a reload). */
const FAIL_OPEN = 'test:idb-open-fails'
const FAIL_LIST = 'test:idb-databases-throws'

/**
 * Makes `indexedDB.open` fail the way Chromium does with a dropped backing store (an UnknownError on the request),
 * or `indexedDB.databases` throw an unrelated error, while the flag is set. Runs before the app's scripts.
 */
function breakIndexedDb (flags: { open: string, list: string }): void {
  const flag = (key: string): boolean => {
    try { return localStorage.getItem(key) === '1' } catch { return false } // about:blank has no localStorage
  }
  const failOpen = flag(flags.open)
  const failList = flag(flags.list)
  if (failOpen) {
    IDBFactory.prototype.open = function open (): IDBOpenDBRequest {
      const req = new EventTarget() as IDBOpenDBRequest & { onerror: ((e: Event) => void) | null }
      const error = new DOMException('Internal error opening backing store for indexedDB.open.', 'UnknownError')
      Object.defineProperty(req, 'error', { get: () => error })
      Object.defineProperty(req, 'readyState', { get: () => 'done' })
      Object.defineProperty(req, 'result', { get: () => { throw new DOMException('no result', 'InvalidStateError') } })
      req.onerror = null
      setTimeout(() => {
        const ev = new Event('error')
        req.onerror?.(ev)
        req.dispatchEvent(ev)
      }, 0)
      return req
    }
  }
  if (failList) {
    IDBFactory.prototype.databases = async function databases (): Promise<IDBDatabaseInfo[]> {
      throw new TypeError('boom from the storage failure test')
    }
  }
}

/** The element that has focus, through the shadow roots. */
async function focused (page: Page): Promise<{ tag: string, text: string }> {
  return await page.evaluate(() => {
    let el: Element | null = document.activeElement
    while (el?.shadowRoot?.activeElement != null) el = el.shadowRoot.activeElement
    return { tag: el?.tagName.toLowerCase() ?? '', text: el?.textContent?.trim() ?? '' }
  })
}

async function setFlags (page: Page, flags: Record<string, string | null>): Promise<void> {
  await page.evaluate((f) => {
    for (const [k, v] of Object.entries(f)) {
      if (v === null) localStorage.removeItem(k)
      else localStorage.setItem(k, v)
    }
  }, flags)
}

const STORAGE_TITLE = 'This browser cannot open ChatSphere\u2019s local data'

describe('storage failure', () => {
  let server: AppServer
  let user: User

  beforeAll(async () => {
    server = await startApp()
    user = await openUser()
    await user.context.addInitScript(breakIndexedDb, { open: FAIL_OPEN, list: FAIL_LIST })
    await createIdentity(user.page, server.url, 'Ana').catch((err: unknown) => { throw new Error(`${String(err)}\n${user.logs.join('\n')}`) })
  })

  afterAll(async () => {
    await user?.dispose()
    await server?.stop()
  })

  it('explains a device database that cannot be opened, with focus on the heading and no serious accessibility problems', async () => {
    const { page } = user
    await setFlags(page, { [FAIL_OPEN]: '1' })
    await page.reload()
    const heading = page.getByRole('heading', { name: STORAGE_TITLE, level: 1 })
    await heading.waitFor()
    await expect(page.getByRole('alert').filter({ hasText: 'relays keep an encrypted copy' }).count()).resolves.toBe(1)
    await expect(page.getByText('your rooms come back only when you rejoin them').isVisible()).resolves.toBe(true)
    await expect(page.getByText('Internal error opening backing store').isVisible()).resolves.toBe(true)
    expect(await focused(page)).toEqual({ tag: 'h1', text: STORAGE_TITLE })
    for (const name of ['Try again', 'Restore identity', 'Start over']) {
      await expect(page.getByRole('button', { name, exact: true }).isVisible()).resolves.toBe(true)
    }
    await screenshot(page, 'storage-failure')
    expect(await seriousViolations(page)).toEqual([])
  })

  it('asks before starting over, and the confirmation can be cancelled', async () => {
    const { page } = user
    await page.getByRole('button', { name: 'Start over' }).click()
    const confirmTitle = page.getByRole('heading', { name: 'Start over with a new identity?' })
    await confirmTitle.waitFor()
    expect(await focused(page)).toEqual({ tag: 'h2', text: 'Start over with a new identity?' })
    await expect(page.getByRole('button', { name: 'Start over' }).getAttribute('aria-expanded')).resolves.toBe('true')
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Cancel' }).click()
    await confirmTitle.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Start over' }).click()
    await page.getByRole('button', { name: 'Yes, create a new identity' }).click()
    // Onboarding, to create a new identity.
    await page.getByRole('button', { name: 'Create identity' }).waitFor()
    await expect(page.getByRole('textbox', { name: 'Recovery words' }).count()).resolves.toBe(0)
  })

  it('"Restore identity" opens the restore form; a save the store still refuses brings the error screen back', async () => {
    const { page } = user
    await page.reload()
    await page.getByRole('heading', { name: STORAGE_TITLE }).waitFor()
    await page.getByRole('button', { name: 'Restore identity' }).click()
    const words = page.getByRole('textbox', { name: 'Recovery words' })
    await words.waitFor()
    expect(await seriousViolations(page)).toEqual([])
    // Creating (or restoring) writes the device database, which still fails: the error screen again, not a blank page.
    await page.getByRole('textbox', { name: 'Display name' }).fill('Ana again')
    await page.getByRole('button', { name: 'Create identity' }).click()
    await page.getByRole('heading', { name: STORAGE_TITLE }).waitFor()
  })

  it('"Try again" reloads, and the app starts with its identity once the store opens', async () => {
    const { page } = user
    await setFlags(page, { [FAIL_OPEN]: null })
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.getByRole('button', { name: 'New room' }).waitFor({ timeout: 30_000 })
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  it('is in Spanish when the app is', async () => {
    const { page } = user
    const settings = await page.evaluate(() => localStorage.getItem('chatsphere:settings'))
    const spanish = { ...JSON.parse(settings ?? '{}') as Record<string, unknown>, locale: 'es' }
    await setFlags(page, { [FAIL_OPEN]: '1', 'chatsphere:settings': JSON.stringify(spanish) })
    await page.reload()
    await page.getByRole('heading', { name: 'Este navegador no puede abrir los datos locales de ChatSphere', level: 1 }).waitFor()
    for (const name of ['Intentar de nuevo', 'Restaurar identidad', 'Empezar de nuevo']) {
      await expect(page.getByRole('button', { name, exact: true }).isVisible()).resolves.toBe(true)
    }
    expect(await seriousViolations(page)).toEqual([])
    await setFlags(page, { [FAIL_OPEN]: null, 'chatsphere:settings': settings })
  })

  it('any other error while starting shows its message and "Try again", never a blank page', async () => {
    const { page } = user
    await setFlags(page, { [FAIL_LIST]: '1' })
    await page.reload()
    const heading = page.getByRole('heading', { name: 'ChatSphere could not start', level: 1 })
    await heading.waitFor()
    await expect(page.getByText('Error: boom from the storage failure test').isVisible()).resolves.toBe(true)
    await expect(page.getByRole('button', { name: 'Try again' }).isVisible()).resolves.toBe(true)
    await expect(page.getByRole('button', { name: 'Restore identity' }).count()).resolves.toBe(0)
    expect(await focused(page)).toEqual({ tag: 'h1', text: 'ChatSphere could not start' })
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'start-error')
    await setFlags(page, { [FAIL_LIST]: null })
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.getByRole('button', { name: 'New room' }).waitFor({ timeout: 30_000 })
  })
})
