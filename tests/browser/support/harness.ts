// Node side of the media harness: builds tests/browser/support/harness/core-page.ts with Vite (browser conditions),
// serves it from a loopback HTTP server, and returns a typed handle.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import type { Page } from 'playwright-core'
import type { Harness } from './harness/core-page.ts'
import { RELAY_INFO_PATH } from '../../../src/constants.ts'

const ENTRY = fileURLToPath(new URL('./harness/core-page.ts', import.meta.url))

let built: Promise<string> | undefined

/** Builds the harness page once per process; returns the output directory. */
export async function buildHarness (): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'cs-harness-'))
    await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['browser', 'module', 'import', 'default'], mainFields: ['browser', 'module', 'jsnext:main', 'jsnext'] },
      build: { outDir, emptyOutDir: true, target: 'es2023', minify: false, lib: { entry: ENTRY, formats: ['es'], fileName: 'harness' } }
    })
    process.once('exit', () => { rmSync(outDir, { recursive: true, force: true }) })
    return outDir
  })()
  return await built
}

/** Calls one harness method in the page. */
export type HarnessCall = <K extends keyof Harness>(name: K, ...args: Parameters<Harness[K]>) => Promise<Awaited<ReturnType<Harness[K]>>>

let server: Promise<string> | undefined

/**
 * Serves the built harness from a real loopback HTTP server (a secure context; Chromium's local network access checks
 * let a loopback page reach the loopback relay, not a page whose address it does not know). Returns the origin.
 */
async function serveHarness (): Promise<string> {
  server ??= (async () => {
    const dir = await buildHarness()
    const srv = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<!doctype html><meta charset="utf-8"><title>harness</title><script type="module" src="/harness.js"></script>')
        return
      }
      const file = normalize(join(dir, path))
      if (!file.startsWith(dir) || !existsSync(file)) { res.writeHead(404); res.end(); return }
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(readFileSync(file))
    })
    await new Promise<void>((resolve) => { srv.listen(0, '127.0.0.1', resolve) })
    srv.unref()
    const addr = srv.address() as AddressInfo
    return `http://127.0.0.1:${addr.port}`
  })()
  return await server
}

/** Opens the harness in `page` and returns a caller for its methods. */
export async function openHarness (page: Page): Promise<HarnessCall> {
  const origin = await serveHarness()
  await page.goto(origin + '/')
  await page.waitForFunction(() => 'csHarness' in window)
  return async (name, ...args) => await page.evaluate(async ([n, a]) => {
    const h = (window as unknown as { csHarness: Record<string, (...x: unknown[]) => Promise<unknown>> }).csHarness
    const fn = h[n as string]
    if (fn === undefined) throw new Error(`no harness method ${String(n)}`)
    return await fn(...(a as unknown[]))
  }, [name, args] as const) as never
}

/** The relay's WebSocket multiaddr from its info document. */
export async function relayWsAddr (relayUrl: string): Promise<string> {
  const info = await (await fetch(relayUrl + RELAY_INFO_PATH)).json() as { multiaddrs: string[] }
  const ws = info.multiaddrs.find((a) => a.includes('/ws'))
  if (ws === undefined) throw new Error('relay lists no WebSocket address')
  return ws
}
