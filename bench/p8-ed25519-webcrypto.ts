// P8 detail: what an Ed25519 signature costs in Chromium's WebCrypto with the key imported once and cached (our
// src/crypto/ed25519.browser.ts) versus imported on every call (libp2p's browser Ed25519 key, which gossipsub uses
// to sign every publish and verify every received message). Run: node scripts/node22.mjs bench/p8-ed25519-webcrypto.ts
import { createServer } from 'node:http'
import { loadavg } from 'node:os'
import { chromium } from 'playwright-core'
import { findChromium } from '../tests/browser/support/chromium-path.ts'
const b = await chromium.launch({ executablePath: findChromium(), headless: true })
const p = await b.newPage()
// WebCrypto needs a secure context: a page from 127.0.0.1.
const server = createServer((_req, res) => { res.end('<!doctype html><title>p8</title>') })
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
await p.goto(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`)
const r = await p.evaluate(async () => {
  const s = crypto.subtle
  const kp = await s.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as CryptoKeyPair
  const jwk = await s.exportKey('jwk', kp.privateKey)
  const raw = new Uint8Array(await s.exportKey('raw', kp.publicKey))
  const msg = new Uint8Array(300)
  const N = 300
  const t = async (f: () => Promise<unknown>): Promise<number> => { for (let i = 0; i < 20; i++) await f(); const a = performance.now(); for (let i = 0; i < N; i++) await f(); return (performance.now() - a) / N }
  const sig = new Uint8Array(await s.sign('Ed25519', kp.privateKey, msg))
  const pub = await s.importKey('raw', raw, 'Ed25519', false, ['verify'])
  return {
    signCached: await t(() => s.sign('Ed25519', kp.privateKey, msg)),
    signJwkImport: await t(async () => { const k = await s.importKey('jwk', jwk, 'Ed25519', true, ['sign']); return await s.sign('Ed25519', k, msg) }),
    verifyCached: await t(() => s.verify('Ed25519', pub, sig, msg)),
    verifyRawImport: await t(async () => { const k = await s.importKey('raw', raw, 'Ed25519', false, ['verify']); return await s.verify('Ed25519', k, sig, msg) }),
    emptyAwait: await t(async () => {}),
    digest: await t(() => s.digest('SHA-256', msg))
  }
})
console.log('ms per operation (mean of 300 awaited in sequence):', Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 1000) / 1000])))
console.log('load average', loadavg().map((x) => x.toFixed(1)).join(' '))
await b.close()
server.close()
