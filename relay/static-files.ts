/**
 * Serves the built web app (web/dist) with strict security headers. Paths are resolved inside the root only; unknown
 * paths without a file extension get index.html (the app routes with the URL fragment, so this is only for reloads).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8'
}

/**
 * The Content-Security-Policy of everything the relay serves: only the app's own scripts, no plugins, no base
 * rewriting, Trusted Types required for every DOM sink, network only to the relay itself and WebSockets (peers and
 * other relays), media from blobs (received files) and data URLs (inline previews).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  // Only the two policies the app creates (Lit's template policy, the service worker URL policy): injected code could
  // not create a permissive `default` policy or a second policy with either name.
  'trusted-types lit-html chatsphere-service-worker'
].join('; ')

/** Headers sent with every HTTP answer of the relay. */
export function securityHeaders (): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), geolocation=(), microphone=(self)'
  }
}

/** Serves one file of `root` for the request; returns false when no file matched (caller sends 404). */
export async function serveStatic (root: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://relay')
  let rel: string
  try { rel = decodeURIComponent(url.pathname) } catch { return false }
  if (rel.includes('\0')) return false
  const base = normalize(root + sep)
  let path = normalize(join(base, rel))
  if (!path.startsWith(base)) return false
  let info = await stat(path).catch(() => undefined)
  if (info?.isDirectory() === true) {
    path = join(path, 'index.html')
    info = await stat(path).catch(() => undefined)
  }
  if (info == null && extname(rel) === '') {
    path = join(base, 'index.html')
    info = await stat(path).catch(() => undefined)
  }
  if (info == null || !info.isFile()) return false
  const type = MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'
  const immutable = path.includes(`${sep}assets${sep}`)
  res.writeHead(200, {
    ...securityHeaders(),
    'content-type': type,
    'content-length': String(info.size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
  })
  if (req.method === 'HEAD') { res.end(); return true }
  createReadStream(path).pipe(res)
  return true
}
