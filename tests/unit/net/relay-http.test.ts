/** The relay's HTTP side in process: security headers, info document, health, metrics, static files, TLS. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { parseRelayInfo } from '../../../src/net/relay-info.ts'
import type { Relay } from '../../../relay/relay.ts'

const logger = pino({ level: 'silent' })

describe('relay HTTP', () => {
  let dir: string
  let relay: Relay

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-relay-http-'))
    const web = join(dir, 'web')
    await mkdir(join(web, 'assets'), { recursive: true })
    await writeFile(join(web, 'index.html'), '<!doctype html><title>app</title>')
    await writeFile(join(web, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(dir, 'secret.txt'), 'do not serve')
    relay = await startRelay({ dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, tcpPort: null, webDir: web, buildWeb: false, logger })
  })
  afterAll(async () => {
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the app with a strict Content-Security-Policy', async () => {
    const res = await fetch(relay.url + '/')
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    for (const d of ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "require-trusted-types-for 'script'", 'trusted-types lit-html chatsphere-service-worker', "connect-src 'self' ws: wss:"]) expect(csp).toContain(d)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const js = await fetch(relay.url + '/assets/app.js')
    expect(js.headers.get('content-type')).toContain('javascript')
    expect(js.headers.get('cache-control')).toContain('immutable')
    expect((await fetch(relay.url + '/deep/route')).status).toBe(200)
  })

  it('never serves files outside the web root', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await fetch(relay.url + path)
      expect(await res.text()).not.toContain('do not serve')
    }
  })

  it('serves its info document, with the address the browser used first', async () => {
    const res = await fetch(relay.url + '/.well-known/chatsphere.json')
    const info = parseRelayInfo(await res.text())
    expect(info.peerId).toBe(relay.peerId)
    expect(info.multiaddrs[0]).toBe(`/ip4/127.0.0.1/tcp/${relay.port}/ws/p2p/${relay.peerId}`)
    expect(relay.info(`localhost:${relay.port}`).multiaddrs[0]).toBe(`/dns/localhost/tcp/${relay.port}/ws/p2p/${relay.peerId}`)
    expect(relay.info('evil"host').multiaddrs[0]).toContain('/ip4/127.0.0.1/')
  })

  it('answers /healthz and /metrics, refuses other methods', async () => {
    expect(await (await fetch(relay.url + '/healthz')).json()).toMatchObject({ ok: true, peerId: relay.peerId })
    const text = await (await fetch(relay.url + '/metrics')).text()
    for (const m of ['chatsphere_relay_connections', 'chatsphere_relay_reservations', 'chatsphere_relay_rooms_kept', 'chatsphere_relay_frames_relayed_total', 'chatsphere_relay_frames_dropped_total']) expect(text).toContain(m)
    expect((await fetch(relay.url + '/', { method: 'POST' })).status).toBe(405)
  })

  it('keeps its peer id across restarts (persistent key)', async () => {
    const again = await startRelay({ dataDir: join(dir, 'data2'), host: '127.0.0.1', port: 0, tcpPort: null, webDir: null, logger })
    const id = again.peerId
    await again.stop()
    const third = await startRelay({ dataDir: join(dir, 'data2'), host: '127.0.0.1', port: 0, tcpPort: null, webDir: null, logger })
    expect(third.peerId).toBe(id)
    const page = await (await fetch(third.url + '/')).text()
    expect(page).toContain('has not been built')
    await third.stop()
  })

  it('serves HTTPS with a self-signed certificate it keeps in its data dir', async () => {
    const tls = await startRelay({ dataDir: join(dir, 'tls'), host: '127.0.0.1', port: 0, tcpPort: null, webDir: null, tls: true, logger })
    try {
      expect(tls.url.startsWith('https://')).toBe(true)
      expect(tls.multiaddrs()[0]).toContain('/tls/ws')
      const body = await new Promise<string>((resolve, reject) => {
        request(tls.url + '/healthz', { rejectUnauthorized: false }, (res) => {
          let b = ''
          res.on('data', (c: Buffer) => { b += c.toString() })
          res.on('end', () => resolve(b))
        }).on('error', reject).end()
      })
      expect(JSON.parse(body).ok).toBe(true)
    } finally {
      await tls.stop()
    }
  })
})

describe('relay data dir', () => {
  it('refuses a second relay on the same data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-relay-lock-'))
    const first = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: null, webDir: null, logger })
    try {
      await expect(startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: null, webDir: null, logger })).rejects.toHaveProperty('name', 'DataDirLockedError')
    } finally {
      await first.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
