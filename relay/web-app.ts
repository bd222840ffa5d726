/**
 * The web app side of the relay: serves web/dist, and when it has not been built, builds it with vite's JS API in
 * the background (the relay is usable at once; until the build is done the page says how to build by hand).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { securityHeaders, serveStatic } from './static-files.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'

const BUILD_COMMAND = 'node scripts/node22.mjs node_modules/vite/bin/vite.js build web'

function notBuiltPage (building: boolean, error?: string): string {
  const status = building
    ? 'The relay is building the web app now; reload this page in a minute.'
    : `The web app has not been built${error != null ? ` (automatic build failed: ${escapeHtml(error)})` : ''}.`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ChatSphere relay</title></head><body>
<h1>ChatSphere relay</h1><p>${status}</p><p>To build it by hand, run <code>${BUILD_COMMAND}</code> in the ChatSphere checkout
(or <code>npm run build:web</code>), then reload.</p><p>The relay itself is running: peers can use it, and its info document is at
<a href="/.well-known/chatsphere.json">/.well-known/chatsphere.json</a>.</p></body></html>`
}

function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

export interface WebApp {
  serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

/** Serves `webDir` (null: no web app), building it first when asked and missing. */
export function webAppState (webDir: string | null, build: boolean, log: Logger): WebApp {
  let building = false
  let error: string | undefined
  const built = (): boolean => webDir != null && existsSync(join(webDir, 'index.html'))
  if (webDir != null && !built() && build) {
    building = true
    const root = join(import.meta.dirname, '..')
    log.info({ webDir }, 'web app not built; building it with vite')
    void import('vite').then(async vite => {
      await vite.build({ root: join(root, 'web'), logLevel: 'warn' })
      log.info('web app built')
    }).catch((err: Error) => {
      error = err.message.split('\n')[0]
      log.warn({ err: error }, `web app build failed; build it with: ${BUILD_COMMAND}`)
    }).finally(() => { building = false })
  }
  return {
    serve: async (req, res) => {
      if (webDir != null && built() && await serveStatic(webDir, req, res)) return
      const path = new URL(req.url ?? '/', 'http://relay').pathname
      const isPage = path === '/' || path === '/index.html'
      res.writeHead(isPage ? 200 : 404, { ...securityHeaders(), 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(isPage ? notBuiltPage(building, error) : '<!doctype html><title>Not found</title><p>Not found.</p>')
    }
  }
}
