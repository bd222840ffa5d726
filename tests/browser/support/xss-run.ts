/**
 * Renders XSS payloads in the real web app (served by a real relay process with its real CSP and Trusted Types, in
 * headless Chromium) through the real data path: a hostile member ("Mallory", a Node chat peer in this process)
 * sends them as messages, display names, file names and room names (invite links) to Bob, whose browser shows them.
 * Collected: canary calls (`__xssCanary`, `alert`, a setter on `top.__xssHit`, dialogs in any frame, requests to
 * the canary URL), CSP and Trusted Types violations (securitypolicyviolation events and ReportingObserver reports),
 * and elements that could run or navigate to script anywhere in the page (through every shadow root).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../../../src/chat/index.ts'
import { startRelay } from './app-server.ts'
import { openUser } from './browser.ts'
import { createIdentity } from './flows.ts'
import { CANARY_PATH } from './xss-corpus.ts'
import type { Page } from 'playwright-core'
import type { XssPayload } from './xss-corpus.ts'
import type { AppServer } from './app-server.ts'
import type { User } from './browser.ts'
import type { Chat } from '../../../src/chat/index.ts'

export interface XssRunResult {
  payloads: number
  /** Payloads whose marker (or room) was seen rendered in Bob's page. */
  rendered: number
  /** Payloads the sender's own checks refused (for example a display name with control characters). */
  refusedBySender: number
  executions: string[]
  violations: unknown[]
  dangerous: string[]
  pageErrors: string[]
  seconds: number
  byField: Record<string, { sent: number, rendered: number }>
  /** The first payloads not seen rendered (for diagnosis). */
  notRendered: XssPayload[]
}

/** Records every way a payload could show that it ran. Runs in every frame before any page script. */
const CANARY_SCRIPT = `
  window.__xssHits = [];
  window.__cspReports = [];
  const hit = (how) => { try { (window.top || window).__xssHits.push(how) } catch { window.__xssHits.push(how) } };
  window.__xssCanary = (id) => hit('canary:' + id);
  window.alert = (m) => hit('alert:' + m);
  window.confirm = window.prompt = (m) => { hit('dialog:' + m); return null };
  Object.defineProperty(window, '__xssHit', { set (v) { hit('prop:' + v) }, get () { return undefined } });
  if (window.ReportingObserver) {
    new ReportingObserver((reports) => { for (const r of reports) window.__cspReports.push({ type: r.type, body: r.body && r.body.toJSON ? r.body.toJSON() : String(r.body) }) },
      { types: ['csp-violation'], buffered: true }).observe();
  }
`

/** Everything in the page, through open shadow roots, that could run script, navigate to script or beacon out. */
async function dangerousNodes (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const found: string[] = []
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase()
        if (['script', 'iframe', 'object', 'embed', 'frame', 'base', 'meta', 'math', 'foreignobject'].includes(tag) && root !== document) found.push(tag)
        // The app's own forms (composer, dialogs) have no action; a form with one would post somewhere.
        if (tag === 'form' && el.hasAttribute('action')) found.push('form[action]')
        for (const attr of el.getAttributeNames()) {
          if (attr.startsWith('on')) found.push(`${tag}[${attr}]`)
          if (['srcdoc', 'formaction', 'xlink:href'].includes(attr)) found.push(`${tag}[${attr}]`)
        }
        for (const attr of ['href', 'src', 'action', 'data']) {
          const v = el.getAttribute(attr)
          if (v !== null && /^\s*(javascript|vbscript|data:text|data:application)/i.test([...v].filter(c => c > ' ' && c !== '\u200b').join(''))) found.push(`${tag}[${attr}=${v.slice(0, 40)}]`)
        }
        if (tag === 'img') {
          const src = el.getAttribute('src') ?? ''
          if (src !== '' && !/^(blob:|data:image\/(png|jpeg|gif|webp);)/.test(src) && !src.startsWith('/')) found.push(`img[src=${src.slice(0, 40)}]`)
        }
        if (el.shadowRoot !== null) walk(el.shadowRoot)
      }
    }
    walk(document)
    return found
  })
}

/** All text of the page, through open shadow roots. */
async function deepText (page: Page): Promise<string> {
  return await page.evaluate(() => {
    const walk = (root: ParentNode): string => {
      let t = root instanceof ShadowRoot ? (root.textContent ?? '') : ''
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot !== null) t += '\n' + walk(el.shadowRoot)
      return t
    }
    return (document.body?.textContent ?? '') + walk(document)
  })
}

async function collect (page: Page): Promise<{ hits: string[], csp: unknown[], reports: unknown[], errors: string[] }> {
  return await page.evaluate(() => {
    const w = window as unknown as { __xssHits?: string[], __csp?: unknown[], __cspReports?: unknown[], __errors?: string[] }
    return { hits: w.__xssHits ?? [], csp: w.__csp ?? [], reports: w.__cspReports ?? [], errors: w.__errors ?? [] }
  })
}

const marker = (id: number): string => `⟦${id}⟧`

/** Waits (polling the rendered text) until every marker is shown or the timeout passes; returns those seen. */
async function waitForMarkers (page: Page, ids: number[], timeoutMs: number): Promise<Set<number>> {
  const seen = new Set<number>()
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const text = await deepText(page)
    for (const id of ids) if (text.includes(marker(id))) seen.add(id)
    if (seen.size === ids.length) break
    // A tall message can leave the list unpinned from the bottom (it then offers "jump to latest" instead of
    // following): pin it again, as a reader would.
    await page.evaluate(() => {
      const find = (root: ParentNode): Element | undefined => {
        for (const el of root.querySelectorAll('*')) {
          if (el.tagName.toLowerCase() === 'cs-message-list') return el
          const inner = el.shadowRoot !== null ? find(el.shadowRoot) : undefined
          if (inner !== undefined) return inner
        }
        return undefined
      }
      void (find(document) as unknown as { scrollToEnd?: () => Promise<void> } | undefined)?.scrollToEnd?.()
    })
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return seen
}

const FILE_MIMES = ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/plain', 'image/png', 'application/javascript']

export async function runXssCorpus (payloads: XssPayload[], opts: { batch?: number, log?: (s: string) => void } = {}): Promise<XssRunResult> {
  const log = opts.log ?? (() => {})
  const batch = opts.batch ?? 6
  const started = Date.now()
  let relay: AppServer | undefined
  let bob: User | undefined
  let mallory: Chat | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-mallory-'))
  const result: XssRunResult = { payloads: payloads.length, rendered: 0, refusedBySender: 0, executions: [], violations: [], dangerous: [], pageErrors: [], seconds: 0, byField: {}, notRendered: [] }
  const count = (field: string, rendered: boolean, p?: XssPayload): void => {
    if (!rendered && p != null && result.notRendered.length < 20) result.notRendered.push(p)
    const f = result.byField[field] ?? { sent: 0, rendered: 0 }
    f.sent++
    if (rendered) { f.rendered++; result.rendered++ }
    result.byField[field] = f
  }
  const dangerous = new Set<string>()
  try {
    relay = await startRelay()
    bob = await openUser()
    await bob.context.addInitScript({ content: CANARY_SCRIPT })
    const page = bob.page
    page.on('dialog', (d) => { result.executions.push(`dialog:${d.message()}`); void d.dismiss().catch(() => {}) })
    bob.context.on('request', (r) => { if (r.url().includes(CANARY_PATH)) result.executions.push(`request:${r.url()}`) })
    await createIdentity(page, relay.url, 'Bob')
    mallory = await createChat({ dataDir, relays: [relay.url], mdns: false, webrtc: false, listen: [], inviteOrigin: relay.url, displayName: 'Mallory' })
    const room = await mallory.createRoom('xss lab')
    await page.goto(room.invite)
    await page.getByRole('heading', { name: 'xss lab', level: 2 }).waitFor({ timeout: 60_000 })
    await mallory.waitForRelaySync(room.id, 30_000)

    const check = async (): Promise<void> => {
      for (const d of await dangerousNodes(page)) dangerous.add(d)
    }
    const byField = (f: XssPayload['field']): XssPayload[] => payloads.filter(p => p.field === f)

    // Messages, in small batches so each one is rendered (the list is virtualized: far rows leave the DOM).
    const messages = byField('message')
    for (let i = 0; i < messages.length; i += batch) {
      const group = messages.slice(i, i + batch)
      for (const p of group) await mallory.send(room.id, `${p.text} ${marker(p.id)}`)
      const seen = await waitForMarkers(page, group.map(p => p.id), 15_000)
      for (const p of group) count('message', seen.has(p.id), p)
      await check()
      if (i % (batch * 20) === 0) log(`messages ${i + group.length}/${messages.length}`)
    }
    // Display names: each announced as Mallory's profile, then shown as the author of a probe message.
    for (const p of byField('name')) {
      try { await mallory.setName(p.text) } catch { result.refusedBySender++; continue }
      await mallory.send(room.id, `name probe ${marker(p.id)}`)
      const seen = await waitForMarkers(page, [p.id], 15_000)
      count('name', seen.has(p.id) && (await deepText(page)).includes(p.text.trim().slice(0, 20)), p)
      await check()
    }
    log('names done')
    // File names (with hostile contents and types): shown as file messages.
    for (const [i, p] of byField('file').entries()) {
      const mime = FILE_MIMES[i % FILE_MIMES.length] ?? 'text/html'
      const bytes = new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg" onload="__xssCanary(${p.id})"><script>__xssCanary(${p.id})</script></svg><html><body onload="alert(${p.id})"></body></html>`)
      try { await mallory.sendFile(room.id, { name: `${marker(p.id)} ${p.text}`, mime, bytes }) } catch { result.refusedBySender++; continue }
      const seen = await waitForMarkers(page, [p.id], 15_000)
      count('file', seen.has(p.id), p)
      await check()
    }
    log('files done')
    // Room names: each a room Bob joins by opening its invite link.
    for (const p of byField('room')) {
      let invite: string
      try { invite = (await mallory.createRoom(p.text)).invite } catch { result.refusedBySender++; continue }
      await page.goto(invite)
      const probe = p.text.trim().replace(/\s+/g, ' ').slice(0, 16)
      let ok = false
      const end = Date.now() + 15_000
      while (!ok && Date.now() < end) {
        ok = (await deepText(page)).replace(/\s+/g, ' ').includes(probe)
        if (!ok) await new Promise(resolve => setTimeout(resolve, 100))
      }
      count('room', ok, p)
      await check()
    }
    log('rooms done')
    // Late effects (a handler that fires on a timer, a lazy image): give the page a moment, then read everything.
    await new Promise(resolve => setTimeout(resolve, 1000))
    await check()
    const got = await collect(page)
    result.executions.push(...got.hits)
    result.violations.push(...got.csp, ...got.reports)
    result.pageErrors.push(...got.errors)
    result.dangerous = [...dangerous]
    return result
  } finally {
    result.seconds = (Date.now() - started) / 1000
    await mallory?.close().catch(() => {})
    await bob?.dispose().catch(() => {})
    await relay?.stop().catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
}
