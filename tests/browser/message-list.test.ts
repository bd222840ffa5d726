import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from './support/app-server.ts'
import { createIdentity } from './support/flows.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'

// The message list is virtualized: with 100k messages only the rows in view are in the DOM, and it opens at the
// newest message. Uses the app's real <cs-message-list> element (in the app as loaded) with a synthetic read model.
describe('message list at 100k messages', () => {
  let server: AppServer
  let user: User

  beforeAll(async () => {
    server = await startRelay()
    user = await openUser()
  })

  afterAll(async () => {
    await user?.dispose()
    await server?.stop()
  })

  it('renders only what is in view and scrolls from the newest to the oldest', async () => {
    const { page } = user
    await createIdentity(page, server.url, 'Reader')
    const count = 100_000
    const rendered = await page.evaluate(async (n) => {
      await customElements.whenDefined('cs-message-list')
      const list = document.createElement('cs-message-list') as unknown as HTMLElement & { messages: unknown[], ctx: unknown, updateComplete: Promise<boolean> }
      const start = Date.UTC(2026, 0, 1)
      const messages = Array.from({ length: n }, (_, i) => ({
        id: i.toString(16).padStart(32, '0'),
        authorId: i % 3 === 0 ? 'csMe' : `csPeer${i % 5}`,
        authorName: `Person ${i % 5}`,
        text: i % 7 === 0 ? `message **${i}** with \`code\`\n- a\n- b` : `message ${i}`,
        time: start + i * 60_000,
        index: i,
        edited: i % 11 === 0,
        deleted: i % 97 === 0,
        reactions: i % 13 === 0 ? { '👍': ['csPeer1'] } : {},
        body: { k: 'text', text: `message ${i}` }
      }))
      list.ctx = {
        meId: 'csMe',
        nameOf: (u: string) => u,
        avatarOf: () => undefined,
        presenceOf: () => 'online',
        replyTarget: () => undefined,
        delivery: () => ({ state: 'relay', relays: 1 })
      }
      list.messages = messages
      list.id = 'big-list'
      document.body.replaceChildren(list)
      list.style.display = 'block'
      list.style.height = '700px'
      await list.updateComplete
      await new Promise((resolve) => setTimeout(resolve, 500))
      return list.shadowRoot?.querySelectorAll('cs-message').length ?? -1
    }, count)
    expect(rendered).toBeGreaterThan(0)
    expect(rendered).toBeLessThan(200)
    const messagesRegion = page.getByRole('region', { name: 'Messages' })
    await screenshot(page, 'message-list-100k')
    await messagesRegion.getByText(`message ${count - 1}`, { exact: true }).waitFor()
    await page.evaluate(() => {
      const v = document.querySelector('cs-message-list')?.shadowRoot?.querySelector('.scroll')
      if (v != null) v.scrollTop = 0
    })
    await messagesRegion.getByText('message 1', { exact: true }).waitFor()
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  // A room opened tail-first (ChatInit.tailFirst) shows its last messages, then gets the whole list: the older ones
  // come in above, and a reader at the bottom stays at the newest message.
  it('older messages arriving above the last ones keep the newest in view', async () => {
    const { page } = user
    await page.evaluate(async () => {
      await customElements.whenDefined('cs-message-list')
      const list = document.createElement('cs-message-list') as unknown as HTMLElement & { messages: unknown[], ctx: unknown, updateComplete: Promise<boolean> }
      const start = Date.UTC(2026, 0, 1)
      const all = Array.from({ length: 5000 }, (_, i) => ({
        id: i.toString(16).padStart(32, '0'),
        authorId: `csPeer${i % 5}`,
        authorName: `Person ${i % 5}`,
        text: `row ${i}`,
        time: start + i * 60_000,
        index: i,
        edited: false,
        deleted: false,
        reactions: {},
        body: { k: 'text', text: `row ${i}` }
      }))
      ;(window as unknown as { allRows: unknown[] }).allRows = all
      list.ctx = { meId: 'csMe', nameOf: (u: string) => u, avatarOf: () => undefined, presenceOf: () => 'online', replyTarget: () => undefined, delivery: () => undefined }
      list.messages = all.slice(-100)
      document.body.replaceChildren(list)
      list.style.display = 'block'
      list.style.height = '700px'
      await list.updateComplete
    })
    const region = page.getByRole('region', { name: 'Messages' })
    await region.getByText('row 4999', { exact: true }).waitFor()
    await page.evaluate(async () => {
      const list = document.querySelector('cs-message-list') as unknown as { messages: unknown[], updateComplete: Promise<boolean> }
      list.messages = (window as unknown as { allRows: unknown[] }).allRows
      await list.updateComplete
      for (let i = 0; i < 8; i++) await new Promise((resolve) => requestAnimationFrame(resolve))
    })
    await region.getByText('row 4999', { exact: true }).waitFor()
    const atEnd = await page.evaluate(() => {
      const scroller = document.querySelector('cs-message-list')?.shadowRoot?.querySelector('.scroll')
      return scroller == null ? false : scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80
    })
    expect(atEnd).toBe(true)
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  // scrollToEnd scrolls to the end again in each frame while row heights are measured; a reader who scrolls away
  // meanwhile (here: a wheel event and the scroll it makes, at the start of the first frame after the call) is not
  // pulled back. The frame is found by wrapping requestAnimationFrame, so the order is fixed without timing.
  it('a user scroll while it pins to the newest message wins', async () => {
    const { page } = user
    const after = await page.evaluate(async () => {
      await customElements.whenDefined('cs-message-list')
      const list = document.createElement('cs-message-list') as unknown as HTMLElement & { messages: unknown[], ctx: unknown, atBottom: boolean, updateComplete: Promise<boolean>, scrollToEnd: () => Promise<void> }
      const start = Date.UTC(2026, 0, 1)
      list.ctx = { meId: 'csMe', nameOf: (u: string) => u, avatarOf: () => undefined, presenceOf: () => 'online', replyTarget: () => undefined, delivery: () => undefined }
      list.messages = Array.from({ length: 500 }, (_, i) => ({
        id: i.toString(16).padStart(32, '0'),
        authorId: `csPeer${i % 5}`,
        authorName: `Person ${i % 5}`,
        text: `line ${i}`,
        time: start + i * 60_000,
        index: i,
        edited: false,
        deleted: false,
        reactions: {},
        body: { k: 'text', text: `line ${i}` }
      }))
      document.body.replaceChildren(list)
      list.style.display = 'block'
      list.style.height = '700px'
      await list.updateComplete
      await list.scrollToEnd()
      const scroller = list.shadowRoot?.querySelector('.scroll')
      if (scroller == null) throw new Error('no scroller')
      const before = { atBottom: list.atBottom, fromEnd: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight }
      const raf = window.requestAnimationFrame
      let armed = true
      window.requestAnimationFrame = (cb) => raf((time) => {
        if (armed) {
          armed = false
          scroller.dispatchEvent(new WheelEvent('wheel', { deltaY: -1000, bubbles: true, composed: true }))
          scroller.scrollTop = 0
        }
        cb(time)
      })
      try {
        await list.scrollToEnd()
        for (let i = 0; i < 4; i++) await new Promise((resolve) => requestAnimationFrame(resolve))
      } finally {
        window.requestAnimationFrame = raf
      }
      return { before, armed, atBottom: list.atBottom, scrollTop: scroller.scrollTop }
    })
    expect(after.before.atBottom).toBe(true)
    expect(after.before.fromEnd).toBeLessThan(80)
    expect(after.armed).toBe(false)
    expect(after.atBottom).toBe(false)
    expect(after.scrollTop).toBeLessThan(200)
    await page.getByRole('button', { name: 'Jump to latest' }).waitFor()
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })
})
