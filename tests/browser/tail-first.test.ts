import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import { memoryStorage } from '../unit/chat/support/memory-storage.ts'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, messages } from './support/flows.ts'
import { roomWithShownTail } from './support/stored-room.ts'

const COUNT = 1500

/** Finds the app's message list through the open shadow roots (page script text). */
const FIND_LIST = `function find (root) {
  const hit = root.querySelector('cs-message-list')
  if (hit !== null) return hit
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot !== null) { const h = find(el.shadowRoot); if (h !== undefined) return h }
  return undefined
}`

/** The app's message list: its length and whether it is scrolled to the end. */
const LIST_STATE = `(() => {
  const list = (${FIND_LIST})(document)
  const scroller = list?.shadowRoot?.querySelector('.scroll')
  if (list === undefined || scroller == null) return undefined
  return { length: list.messages.length, atEnd: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80 }
})()`

/**
 * A message row of the app's list and its top's offset (px) from the top of the list's viewport: the row with the
 * given message id, or without one the row at the middle of the viewport.
 */
const ROW_AT = `((id) => {
  const list = (${FIND_LIST})(document)
  const scroller = list?.shadowRoot?.querySelector('.scroll')
  if (list === undefined || scroller == null) return undefined
  const view = scroller.getBoundingClientRect()
  const middle = view.top + view.height / 2
  for (const el of list.shadowRoot.querySelectorAll('cs-message')) {
    const r = el.getBoundingClientRect()
    const hit = id === undefined ? r.top <= middle && r.bottom > middle : el.message?.id === id
    if (hit) return { id: el.message.id, text: el.message.text, offset: r.top - view.top }
  }
  return undefined
})`
interface RowAt { id: string, text: string, offset: number }

// The web app opens a big room tail-first (ChatInit.tailFirst): after a reload it shows the room's last messages
// from the shown-tail record before the room's history is read, then the whole list, and a reader at the bottom stays
// at the newest message. The history read (IndexedDB getAll of the room's updates) is held by the test until the early
// view was seen, so the order is checked without timing.
describe('tail-first open of a big room in the app', () => {
  let server: AppServer
  let user: User
  let archive: Buffer
  let roomId = ''
  let hooked = false

  /** Reloads the page holding the read of the room's history until the test releases it, and opens the room. */
  async function openHeld (page: User['page']): Promise<void> {
    if (!hooked) {
      hooked = true
      // The next page load holds the read of this room's history until the test releases it.
      await page.addInitScript((id) => {
        if (sessionStorage.getItem('cs-test-hold') !== id) return
        sessionStorage.removeItem('cs-test-hold')
        const w = window as unknown as { __held: number, __release: () => void }
        w.__held = 0
        const released = new Promise<void>((resolve) => { w.__release = resolve })
        const getAll = IDBObjectStore.prototype.getAll
        IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, query?: IDBValidKey | IDBKeyRange | null, count?: number) {
          const req = getAll.call(this, query, count)
          const lower = query instanceof IDBKeyRange ? query.lower as unknown : undefined
          if (this.name !== 'updates' || !Array.isArray(lower) || lower[0] !== id) return req
          w.__held++
          // The caller's onsuccess runs once released (the result stays on the request).
          let handler: ((ev: Event) => unknown) | null = null
          Object.defineProperty(req, 'onsuccess', { configurable: true, get: () => handler, set: (h: ((ev: Event) => unknown) | null) => { handler = h } })
          req.addEventListener('success', (ev) => { void released.then(() => handler?.call(req, ev)) })
          return req
        }
      }, roomId)
    }
    await page.evaluate((id) => { sessionStorage.setItem('cs-test-hold', id) }, roomId)
    await page.reload()
    await page.getByRole('button', { name: /Big/ }).first().click()
    // The early view: the last messages, while the room's history is not read yet.
    await messages(page).getByText(`row ${COUNT - 1}`, { exact: true }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
  }

  beforeAll(async () => {
    server = await startRelay()
    user = await openUser()
    const maker = await createChat({ storage: memoryStorage(), offline: true, displayName: 'Writer' })
    try {
      const room = await maker.createRoom('Big')
      for (let i = 0; i < COUNT; i++) await maker.send(room.id, `row ${i}`)
      archive = Buffer.from(await maker.exportRoom(room.id))
    } finally {
      await maker.close()
    }
  }, 180_000)

  afterAll(async () => {
    await user?.dispose()
    await server?.stop()
  })

  it('shows the last messages first, then the rest, keeping the newest in view', async () => {
    const { page } = user
    await createIdentity(page, server.url, 'Reader')
    await page.getByRole('button', { name: 'Profile and settings' }).click()
    await page.getByLabel('Import room history').setInputFiles({ name: 'Big.chatsphere-room', mimeType: 'application/octet-stream', buffer: archive })
    await page.getByRole('status').getByText(/Imported “Big”/).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    // The app records what the room showed (and the tail cache) a while after new messages: wait for that record.
    const recorded = async (): Promise<string | false> => await roomWithShownTail(page)
    await expect.poll(recorded, { timeout: 60_000, interval: 500 }).not.toBe(false)
    roomId = await recorded() as string
    expect(roomId).toMatch(/^[0-9a-f]{64}$/)

    await openHeld(page)
    const region = messages(page)
    expect(await page.evaluate(() => (window as unknown as { __held: number }).__held)).toBe(1)
    const state = async (): Promise<{ length: number, atEnd: boolean } | undefined> => await page.evaluate(LIST_STATE) as { length: number, atEnd: boolean } | undefined
    const early = await state()
    expect(early?.length).toBeGreaterThanOrEqual(50)
    expect(early?.length).toBeLessThan(COUNT)
    await expect.poll(async () => (await state())?.atEnd, { timeout: DELIVERY_TIMEOUT_MS }).toBe(true)
    // Still held: the early view is all there is.
    expect((await state())?.length).toBe(early?.length)
    await screenshot(page, 'tail-first-early')
    // Then the rest: the whole list, the reader still at the newest message.
    await page.evaluate(() => { (window as unknown as { __release: () => void }).__release() })
    await expect.poll(async () => (await state())?.length, { timeout: DELIVERY_TIMEOUT_MS }).toBe(COUNT)
    await region.getByText(`row ${COUNT - 1}`, { exact: true }).waitFor()
    await expect.poll(async () => (await state())?.atEnd, { timeout: DELIVERY_TIMEOUT_MS }).toBe(true)
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  }, 240_000)

  // The rest arrives above the early view: a reader who scrolled up keeps the message they read where it was.
  it('keeps the message a reader scrolled up to in place when the rest is shown', async () => {
    expect(roomId).toMatch(/^[0-9a-f]{64}$/)
    const { page } = user
    await openHeld(page)
    const state = async (): Promise<{ length: number, atEnd: boolean } | undefined> => await page.evaluate(LIST_STATE) as { length: number, atEnd: boolean } | undefined
    const rowAt = async (id?: string): Promise<RowAt | undefined> => await page.evaluate(`${ROW_AT}(${JSON.stringify(id)})`) as RowAt | undefined
    const early = await state()
    expect(early?.length).toBeLessThan(COUNT)
    await expect.poll(async () => (await state())?.atEnd, { timeout: DELIVERY_TIMEOUT_MS }).toBe(true)
    // The reader scrolls up a screen with the mouse wheel over the list.
    const view = await messages(page).boundingBox()
    if (view === null) throw new Error('no message list')
    await page.mouse.move(view.x + view.width / 2, view.y + view.height / 2)
    await page.mouse.wheel(0, -Math.round(view.height))
    await expect.poll(async () => (await state())?.atEnd, { timeout: DELIVERY_TIMEOUT_MS }).toBe(false)
    // The message at the middle of the view, once the view holds still (same row at the same place twice).
    let last: RowAt | undefined
    await expect.poll(async () => {
      const now = await rowAt()
      const same = now !== undefined && last !== undefined && now.id === last.id && Math.abs(now.offset - last.offset) < 1
      last = now
      return same
    }, { timeout: DELIVERY_TIMEOUT_MS }).toBe(true)
    const read = last as RowAt
    expect(read.text).toMatch(/^row \d+$/)
    expect(Number(read.text.slice(4))).toBeLessThan(COUNT - 1)
    expect((await state())?.length).toBe(early?.length)
    await page.evaluate(() => { (window as unknown as { __release: () => void }).__release() })
    await expect.poll(async () => (await state())?.length, { timeout: DELIVERY_TIMEOUT_MS }).toBe(COUNT)
    // Still that message, about where it was (rows are ~40 px: half a row either way), and still after two more frames.
    const inPlace = async (): Promise<boolean> => {
      const now = await rowAt(read.id)
      return now !== undefined && Math.abs(now.offset - read.offset) <= 24
    }
    await expect.poll(inPlace, { timeout: DELIVERY_TIMEOUT_MS }).toBe(true)
    await page.evaluate(async () => { await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))) })
    expect(await inPlace()).toBe(true)
    expect((await state())?.atEnd).toBe(false)
    await screenshot(page, 'tail-first-anchored')
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  }, 240_000)
})
