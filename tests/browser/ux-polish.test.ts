// What a person notices first, checked in real Chromium with a real relay: nothing cut off or scrolling sideways at
// phone width, one-line controls, errors next to what caused them, and keyboard focus that never falls to the page
// body when something closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startApp } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { focused } from './support/focus.ts'
import { createIdentity, createRoom, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

const PHONE = { width: 390, height: 844 }
const LONG_ROOM = 'Project planning for the very long quarterly offsite meeting'

/** Scroll containers (through shadow roots) whose content is wider than they are: sideways scrolling or clipping. */
async function sidewaysOverflow (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const out: string[] = []
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        const cs = getComputedStyle(el)
        // Code blocks scroll sideways on purpose; fields scroll their own text; visually hidden text is clipped on purpose.
        const scrolls = cs.overflowX === 'auto' || cs.overflowX === 'scroll'
        if (scrolls && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && !['PRE', 'INPUT', 'TEXTAREA'].includes(el.tagName)) {
          out.push(`${el.tagName.toLowerCase()} scrollWidth ${el.scrollWidth} > ${el.clientWidth}`)
        }
        if (el.shadowRoot !== null) walk(el.shadowRoot)
      }
    }
    walk(document)
    return out
  })
}

/** The room's message list as the reader sees it: scroll position, the first message in view, the jump button. */
async function listState (page: Page): Promise<{ scrollTop: number, max: number, first?: string, jump: boolean, has: (text: string) => boolean, texts: string[] }> {
  const s = await page.evaluate(() => {
    const list = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')?.shadowRoot?.querySelector('cs-message-list')
    const root = list?.shadowRoot
    const sc = root?.querySelector<HTMLElement>('.scroll')
    if (list == null || root == null || sc == null) throw new Error('no message list')
    const top = sc.getBoundingClientRect().top
    const first = [...root.querySelectorAll('cs-message')]
      .map((m) => ({ r: m.getBoundingClientRect(), id: (m as unknown as { message: { id: string } }).message.id }))
      .filter((x) => x.r.height > 0 && x.r.bottom > top + 1).sort((x, y) => x.r.top - y.r.top)[0]
    return {
      scrollTop: sc.scrollTop,
      max: sc.scrollHeight - sc.clientHeight,
      first: first?.id,
      jump: root.querySelector('.jump') !== null,
      texts: (list as unknown as { messages: Array<{ text: string }> }).messages.map((m) => m.text)
    }
  })
  return { ...s, has: (text) => s.texts.includes(text) }
}

/** The message list's scroller holds the focus (not the page body, not a removed button). */
async function focusInList (page: Page): Promise<boolean> {
  return await page.evaluate(() => {
    const root = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')?.shadowRoot?.querySelector('cs-message-list')?.shadowRoot
    return root?.activeElement?.classList.contains('scroll') === true
  })
}

describe('ux polish', () => {
  let server: AppServer
  let phone: User
  let desk: User
  let reader: User | undefined

  beforeAll(async () => {
    server = await startApp()
    phone = await openUser({ viewport: PHONE })
    desk = await openUser()
    for (const u of [phone, desk]) u.page.on('dialog', (d) => { void d.accept() })
  })

  afterAll(async () => {
    await phone?.dispose()
    await desk?.dispose()
    await reader?.dispose()
    await server?.stop()
  })

  it('phone onboarding: restore form fits the screen and a wrong phrase is reported inside the restore form', async () => {
    const { page } = phone
    await page.goto(server.url)
    await page.getByRole('button', { name: 'Restore identity' }).click()
    await page.getByRole('textbox', { name: 'Recovery words' }).waitFor()
    expect(await sidewaysOverflow(page)).toEqual([])
    await page.getByRole('textbox', { name: 'Display name' }).fill('Ana')
    await page.getByRole('textbox', { name: 'Recovery words' }).fill('apple banana cherry')
    await page.getByRole('button', { name: 'Restore from words' }).click()
    const restore = page.getByRole('region', { name: 'Already have an identity?' })
    await restore.getByRole('alert').filter({ hasText: 'not a valid recovery phrase' }).waitFor()
    await screenshot(page, 'ux-phone-restore-error')
    expect(await seriousViolations(page)).toEqual([])
  })

  it('phone room header keeps the room name readable, every button on screen and none overlapping', async () => {
    const { page } = phone
    await createIdentity(page, server.url, 'Ana')
    await createRoom(page, LONG_ROOM)
    const heading = page.getByRole('heading', { name: LONG_ROOM, level: 2 })
    const box = await heading.boundingBox()
    // ~12 characters of the name at least (it was cut to "Pr…" behind five buttons and the room picture).
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(120)
    const buttons = await page.evaluate(() => {
      const view = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')?.shadowRoot
      return [...(view?.querySelectorAll('header button') ?? [])].map((b) => b.getBoundingClientRect())
        .filter((r) => r.width > 0).map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom }))
    })
    expect(buttons.length).toBeGreaterThanOrEqual(4)
    for (const [i, r] of buttons.entries()) {
      expect(r.left).toBeGreaterThanOrEqual(0)
      expect(r.right).toBeLessThanOrEqual(PHONE.width)
      const next = buttons[i + 1]
      if (next !== undefined) expect(next.left).toBeGreaterThanOrEqual(r.right)
    }
    expect(box === null ? 0 : box.x + box.width).toBeLessThanOrEqual(buttons[1]?.left ?? 0)
    await screenshot(page, 'ux-phone-room-header')
  })

  it('phone settings do not scroll sideways when a room has a long name', async () => {
    const { page } = phone
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await page.getByRole('button', { name: /Profile and settings/ }).click()
    await page.getByRole('heading', { name: 'Room history' }).waitFor()
    expect(await sidewaysOverflow(page)).toEqual([])
    await screenshot(page, 'ux-phone-settings')
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  it('desktop room list: "New room" stays on one line', async () => {
    const { page } = desk
    await createIdentity(page, server.url, 'Bea')
    const box = await page.getByRole('button', { name: 'New room' }).boundingBox()
    // One line of text in a 40 px button; wrapped, it was 48 px tall.
    expect(box?.height ?? 0).toBeLessThanOrEqual(42)
    // ...and the "Rooms" heading beside it is not cut short.
    const heading = await page.getByRole('heading', { name: 'Rooms', level: 1 }).evaluate((h) => ({ scroll: h.scrollWidth, client: h.clientWidth }))
    expect(heading.scroll).toBeLessThanOrEqual(heading.client)
  })

  it('phone: the focus follows into a room opened from the list, a new room\'s message box, the list after a delete, the room list after leaving, and a room opened from search', async () => {
    const { page } = phone
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: new RegExp(LONG_ROOM) }).click()
    // The room list (with the focused entry) is hidden at phone width: the focus goes to the room's name.
    await expect.poll(async () => await focused(page)).toBe(`H2 ${LONG_ROOM}`)
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await expect.poll(async () => await focused(page)).toMatch(new RegExp(`^BUTTON ${LONG_ROOM}`))
    await createRoom(page, 'Short-lived')
    await expect.poll(async () => await focused(page)).toBe('TEXTAREA Message')
    await send(page, 'to be deleted')
    await waitForMessage(page, 'to be deleted')
    const article = messages(page).locator('article').filter({ hasText: 'to be deleted' }).first()
    await article.hover()
    await article.getByRole('button', { name: 'Delete' }).focus()
    await page.keyboard.press('Enter')
    await messages(page).getByText('to be deleted').waitFor({ state: 'detached' })
    await expect.poll(async () => await focusInList(page)).toBe(true)
    await page.getByRole('button', { name: 'Leave room' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Short-lived', level: 2 }).waitFor({ state: 'detached' })
    await expect.poll(async () => await focused(page)).toMatch(new RegExp(`^BUTTON ${LONG_ROOM}`))
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('searchbox', { name: 'Search' }).fill('Project')
    await page.getByRole('region', { name: 'Search results' }).getByRole('button').filter({ hasText: LONG_ROOM }).first().click()
    await expect.poll(async () => await focused(page)).toBe(`H2 ${LONG_ROOM}`)
  })

  it('phone: dialogs and search results wrap a room name without spaces instead of scrolling sideways', async () => {
    const { page } = phone
    const unbroken = 'Supercalifragilisticexpialidocious_room_name_without_spaces'
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await createRoom(page, unbroken)
    for (const [button, dialog] of [['Invite', 'Invite people'], ['People', 'People in'], ['Members and roles', 'Members and roles']] as const) {
      await page.getByRole('button', { name: button, exact: true }).click()
      const shown = page.getByRole('dialog', { name: new RegExp(dialog) })
      await shown.waitFor()
      expect(await sidewaysOverflow(page), button).toEqual([])
      await page.keyboard.press('Escape')
      await shown.waitFor({ state: 'hidden' })
    }
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('searchbox', { name: 'Search' }).fill('Supercali')
    await page.getByRole('region', { name: 'Search results' }).getByRole('button').first().waitFor()
    expect(await sidewaysOverflow(page)).toEqual([])
    await page.getByRole('button', { name: 'Back to rooms' }).click()
  })

  it('closing search or settings with the keyboard puts focus back on the button that opened them', async () => {
    const { page } = desk
    await page.getByRole('button', { name: 'Search' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('searchbox', { name: 'Search' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('searchbox', { name: 'Search' }).waitFor({ state: 'detached' })
    await expect.poll(async () => await focused(page)).toBe('BUTTON Search')
    await page.getByRole('button', { name: /Profile and settings/ }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Back to rooms' }).click()
    await expect.poll(async () => await focused(page)).toMatch(/^BUTTON Bea/)
  })

  it('the reaction picker closes with Escape and after a pick, focus stays on React', async () => {
    const { page } = desk
    await createRoom(page, 'Keys')
    await send(page, 'react to me\n```\n' + 'const x = 1; '.repeat(30) + '\n```')
    await waitForMessage(page, 'react to me')
    const article = messages(page).locator('article').filter({ hasText: 'react to me' }).first()
    await article.hover()
    await article.getByRole('button', { name: 'React' }).focus()
    await page.keyboard.press('Enter')
    await article.getByRole('button', { name: 'Add reaction 👍' }).waitFor()
    await page.keyboard.press('Escape')
    await article.getByRole('button', { name: 'Add reaction 👍' }).waitFor({ state: 'detached' })
    expect(await focused(page)).toBe('BUTTON React')
    await page.keyboard.press('Enter')
    await article.getByRole('button', { name: 'Add reaction 👍' }).focus()
    await page.keyboard.press('Enter')
    await article.getByRole('button', { name: /👍 1/ }).waitFor()
    expect(await focused(page)).toBe('BUTTON React')
    // A long code block scrolls sideways inside the message; the chat screen stays free of serious axe findings.
    expect(await seriousViolations(page)).toEqual([])
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  it('the keyboard scrolls the messages to the first and the newest, a reader scrolled up stays put, Jump to latest keeps focus', async () => {
    reader = await openUser()
    const { page } = reader
    await createIdentity(page, server.url, 'Cal')
    await page.goto(await inviteLink(desk.page))
    await page.getByRole('heading', { name: 'Keys', level: 2 }).waitFor({ timeout: 30_000 })
    const count = 60
    for (let i = 1; i <= count; i++) await send(desk.page, `line ${i} ` + 'word '.repeat((i % 7) * 6))
    await waitForMessage(page, `line ${count} `)
    // From the composer, Shift+Tab reaches the list (the jump button, then the scroller).
    await page.getByRole('textbox', { name: 'Message' }).focus()
    for (let i = 0; i < 8 && !await focusInList(page); i++) await page.keyboard.press('Shift+Tab')
    expect(await focusInList(page)).toBe(true)
    await page.keyboard.press('Home')
    // The browser's own Home stopped ~140 px below the top once the first rows were measured.
    await expect.poll(async () => (await listState(page)).scrollTop, { timeout: 10_000 }).toBe(0)
    await messages(page).getByText(/^line 1 word/).waitFor()
    await page.keyboard.press('End')
    // The browser's own End stopped ~600 px short of the newest message, with "Jump to latest" still shown.
    await expect.poll(async () => { const st = await listState(page); return !st.jump && st.max - st.scrollTop < 2 }, { timeout: 10_000 }).toBe(true)
    await page.keyboard.press('PageUp')
    await page.keyboard.press('PageUp')
    await page.getByRole('button', { name: 'Jump to latest' }).waitFor()
    // PageUp scrolls smoothly: read the reader's place once it has stopped moving.
    let last = -1
    await expect.poll(async () => { const top = (await listState(page)).scrollTop; const still = top === last; last = top; return still }, { timeout: 10_000 }).toBe(true)
    const before = await listState(page)
    await send(desk.page, 'arrives while Cal reads')
    await expect.poll(async () => (await listState(page)).has('arrives while Cal reads'), { timeout: 30_000 }).toBe(true)
    // Two frames for the list to render the new row (and to pull the reader along, if it did).
    await page.evaluate(async () => { for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve)) })
    const after = await listState(page)
    expect(after.first).toBe(before.first)
    expect(after.jump).toBe(true)
    await page.getByRole('button', { name: 'Jump to latest' }).focus()
    await page.keyboard.press('Enter')
    await messages(page).getByText('arrives while Cal reads').waitFor()
    await page.getByRole('button', { name: 'Jump to latest' }).waitFor({ state: 'detached' })
    // The button went away with the focus in it; the focus is on the list, so PageUp keeps working.
    expect(await focusInList(page)).toBe(true)
    expect(await seriousViolations(page)).toEqual([])
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })
})
