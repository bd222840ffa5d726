// Launches headless Chromium through playwright-core with a fresh profile directory per simulated user.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { findChromium, CHROMIUM_MISSING } from './chromium-path.ts'

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../.test-results/screenshots/', import.meta.url))

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // WebRTC between two headless browsers on loopback needs all three (see NOTES-libp2p.md).
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']

/** Records CSP violations and page errors in the page, so tests can assert none happened. */
const INIT_SCRIPT = `
  window.__csp = [];
  window.__errors = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  // Records system notifications the app shows (the real API still runs).
  window.__notifications = [];
  if (window.Notification) {
    const Base = window.Notification;
    window.Notification = class extends Base {
      constructor (title, options) { super(title, options); window.__notifications.push({ title, body: options && options.body }); }
    };
  }
  window.addEventListener('error', (e) => {
    // Benign: the virtualizer resizes rows inside a ResizeObserver callback (the spec reports it, nothing is lost).
    if (/ResizeObserver loop/.test(String(e.message))) return;
    window.__errors.push(String(e.message));
  });
`

export interface User {
  context: BrowserContext
  page: Page
  profileDir: string
  /** Console lines and page errors, for failure messages. */
  logs: string[]
  close: () => Promise<void>
  /** Closes the browser and deletes its profile. */
  dispose: () => Promise<void>
}

/** Opens a browser with the given (or a fresh) profile directory; the same directory later means the same device. */
export async function openUser (opts: { profileDir?: string, viewport?: { width: number, height: number }, /** Extra Chromium flags. */ args?: string[] } = {}): Promise<User> {
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error(CHROMIUM_MISSING)
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'cs-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: [...FLAGS, ...(opts.args ?? [])],
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    locale: 'en-US',
    permissions: ['clipboard-read', 'clipboard-write', 'notifications']
  })
  await context.addInitScript({ content: INIT_SCRIPT })
  const page = context.pages()[0] ?? await context.newPage()
  const logs: string[] = []
  page.on('console', (m) => { logs.push(`[${m.type()}] ${m.text()}`) })
  page.on('pageerror', (e) => { logs.push(`[pageerror] ${e.message}`) })
  const close = async (): Promise<void> => { await context.close().catch(() => {}) }
  return {
    context,
    page,
    profileDir,
    logs,
    close,
    dispose: async () => { await close(); rmSync(profileDir, { recursive: true, force: true }) }
  }
}

export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false })
}

/** CSP violations and uncaught errors the page recorded. */
export async function pageProblems (page: Page): Promise<{ csp: unknown[], errors: string[] }> {
  return await page.evaluate(() => {
    const w = window as unknown as { __csp?: unknown[], __errors?: string[] }
    return { csp: w.__csp ?? [], errors: w.__errors ?? [] }
  })
}
