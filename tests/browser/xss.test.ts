import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { Page } from 'playwright-core'
import type { AppServer } from './support/app-server.ts'
import { pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { createIdentity, createRoom, inviteLink, send, waitForMessage } from './support/flows.ts'

/** Each payload, if it ran, would set window.__xss. */
const CORPUS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '[click me](javascript:window.__xss=3)',
  '<svg onload="window.__xss=4"><circle r="9"/></svg>',
  '<a href="javascript:window.__xss=5">link</a>',
  '![pic](javascript:window.__xss=6)',
  '[data](data:text/html,<script>window.__xss=7</script>)',
  '<iframe src="javascript:window.__xss=8"></iframe>',
  '**<img src=x onerror=window.__xss=9>**',
  '[mixed](JaVaScRiPt:window.__xss=10)',
  '<details open ontoggle=window.__xss=11>x</details>',
  '[quote](https://example.com" onclick="window.__xss=12)',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=14>',
  '[ref][1]\n\n[1]: javascript:window.__xss=15',
  '<object data="javascript:window.__xss=16"></object>',
  '`<img src=x onerror=window.__xss=17>` and [ok](https://example.com/safe)'
]
const EVIL_NAME = '<img src=x onerror=window.__xss=20>'
const EVIL_ROOM = '<svg onload=window.__xss=21>Room'

/** Every element in the page, through open shadow roots, that could run script or navigate to script. */
async function dangerousNodes (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const found: string[] = []
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase()
        if (['script', 'iframe', 'object', 'embed', 'details', 'math', 'style'].includes(tag) && root !== document) found.push(tag)
        for (const attr of el.getAttributeNames()) if (attr.startsWith('on')) found.push(`${tag}[${attr}]`)
        const href = el.getAttribute('href') ?? el.getAttribute('src')
        if (href !== null && /^\s*(javascript|data:text|vbscript)/i.test(href)) found.push(`${tag}[href=${href}]`)
        if (tag === 'a' && el.getAttribute('href') !== null && el.getAttribute('rel') !== 'noopener noreferrer') found.push('a without rel')
        if (el.shadowRoot !== null) walk(el.shadowRoot)
      }
    }
    walk(document)
    return found
  })
}

describe('hostile content from peers executes nothing', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair())
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('in messages, display names and room names', async () => {
    await Promise.all([createIdentity(alice.page, relay.url, EVIL_NAME), createIdentity(bob.page, relay.url, 'Bob')])
    await createRoom(alice.page, EVIL_ROOM)
    const link = await inviteLink(alice.page)
    await bob.page.goto(link)
    await bob.page.getByRole('heading', { name: EVIL_ROOM, level: 2 }).waitFor({ timeout: 30_000 })
    for (const payload of CORPUS) await send(alice.page, payload)
    await waitForMessage(bob.page, 'and ok', 30_000).catch(async () => { await waitForMessage(bob.page, 'and') })
    await waitForMessage(bob.page, '<script>window.__xss=1</script>')
    // The name is shown as text.
    await bob.page.getByText(EVIL_NAME).first().waitFor()
    await screenshot(bob.page, 'xss-corpus')
    for (const page of [alice.page, bob.page]) {
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
      expect(await dangerousNodes(page)).toEqual([])
      expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
    }
    // The one safe link is a real link that opens safely.
    const safe = bob.page.getByRole('link', { name: 'ok' })
    expect(await safe.getAttribute('href')).toBe('https://example.com/safe')
    expect(await safe.getAttribute('target')).toBe('_blank')
    expect(await safe.getAttribute('rel')).toBe('noopener noreferrer')
  })
})
