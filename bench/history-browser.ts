/**
 * P6 in headless Chromium: cold open of a 100k-message room from IndexedDB (the `#storage` browser backend):
 * time until the last 50 messages are readable (from the tail cache, and after the log loaded) and until all are
 * (through the opened-frames cache, as the chat does; then once more with every check, as on a device that never
 * opened them).
 * The room is sealed in Node, compacted to one snapshot, written into the page's IndexedDB, then the browser is
 * closed and started again on the same profile, so the measured open is cold. Writes bench/results/history-browser.json.
 * Then the same room through the app's chat (`createChat`, offline, its own storage): plain and tail-first
 * (ChatInit.tailFirst, as the web app opens) alternated, each in a freshly started browser.
 * Run: node scripts/node22.mjs bench/history-browser.ts   (BENCH_HISTORY_N to change the size; BENCH_P6_NO_CHECKS=1 skips
 * the run with every check, which takes ~30 s; BENCH_P6_CHAT=0 skips the chat runs; BENCH_P6_RUNS=3 chat runs per mode; BENCH_P6_MODES=plain,tail,app the modes, also
 * tail-online, see chatOpen in bench/browser/history-p6.ts; BENCH_P6_PROFILE=<dir> writes a CPU profile of each chat run)
 */
import { createServer } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { openUser } from '../tests/browser/support/browser.ts'
import { openRoomLog } from '../src/history/room-log.ts'
import { memoryUpdateStore } from '../src/storage/memory-update-store.ts'
import { createIdentity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import { sealMessage } from '../src/envelope/index.ts'
import { printTable, writeResults } from './lib/report.ts'

const N = Number(process.env.BENCH_HISTORY_N ?? 100_000)
const here = fileURLToPath(new URL('./browser/', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'cs-bench-browser-'))

const secret = createRoomSecret()
const room = deriveRoomKeys(secret)
const identity = createIdentity()
const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
for (let i = 1; i <= N; i++) {
  await log.append((await sealMessage({ identity, room, device: 7, seq: i, body: { k: 'text', text: `${i} ${'x'.repeat(120)}` } })).frame)
}
const snapshot = log.missingFor(new Uint8Array([0]), 1 << 30)[0] as Uint8Array
const tailFrames = log.frames(-100)
const tail = Buffer.concat(tailFrames.flatMap(f => { const h = Buffer.alloc(4); h.writeUInt32BE(f.length); return [h, Buffer.from(f)] }))
await log.close()

await build({
  root: here,
  logLevel: 'warn',
  // As the web app is built (web/vite.config.ts): tweetnacl's functions come from src/crypto/nacl-noble.ts, so the
  // decryption measured is the one the app ships. BENCH_P6_TWEETNACL=1 keeps tweetnacl (for comparison).
  resolve: {
    conditions: ['browser', 'module', 'import', 'default'],
    alias: process.env.BENCH_P6_TWEETNACL === '1' ? [] : [{ find: /^tweetnacl$/, replacement: fileURLToPath(new URL('../src/crypto/nacl-noble.ts', import.meta.url)) }]
  },
  build: { outDir: join(out, 'dist'), emptyOutDir: true, rollupOptions: { input: join(here, 'history-p6.html') } }
})
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.bin': 'application/octet-stream' }
const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] as string
  let body: Uint8Array | undefined
  if (path === '/snapshot.bin') body = snapshot
  else if (path === '/tail.bin') body = tail
  else {
    const file = join(out, 'dist', path === '/' ? 'history-p6.html' : path)
    if (existsSync(file)) body = readFileSync(file)
  }
  if (body === undefined) { res.writeHead(404).end(); return }
  res.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/html' }).end(body)
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
const secretHex = Buffer.from(secret).toString('hex')

const profileDir = mkdtempSync(join(tmpdir(), 'cs-chromium-bench-'))
let result: Record<string, number>
const chatRows: Array<Record<string, string | number>> = []
try {
  const first = await openUser({ profileDir })
  await first.page.goto(url)
  await first.page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined)
  await first.page.evaluate(async (s) => { await (window as unknown as { __bench: { seed: (s: string) => Promise<void> } }).__bench.seed(s) }, secretHex)
  await first.close()
  const second = await openUser({ profileDir })
  await second.page.goto(url)
  await second.page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined)
  result = await second.page.evaluate(async ([s, all]) => await (window as unknown as { __bench: { coldOpen: (s: string, all: boolean) => Promise<Record<string, number>> } }).__bench.coldOpen(s, all), [secretHex, process.env.BENCH_P6_NO_CHECKS !== '1'] as const)
  if (result.length !== N) throw new Error(`opened ${result.length} of ${N} messages; page log: ${second.logs.join('\n')}`)
  if (result.fullOpens !== 0) throw new Error(`${result.fullOpens} frames were not in the opened-frames cache`)
  await second.close()
  // Through the app's chat (BENCH_P6_CHAT=0 skips): createChat on the same room in its own storage, plain and
  // tail-first (as the web app) alternated, each in a freshly started browser on the profile (a cold open).
  if (process.env.BENCH_P6_CHAT !== '0') {
    const seeding = await openUser({ profileDir })
    await seeding.page.goto(url)
    await seeding.page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined)
    await seeding.page.evaluate(async (s) => { await (window as unknown as { __bench: { seedChat: (s: string) => Promise<void> } }).__bench.seedChat(s) }, secretHex)
    await seeding.close()
    for (let i = 0; i < Number(process.env.BENCH_P6_RUNS ?? 3); i++) {
      for (const mode of (process.env.BENCH_P6_MODES ?? 'plain,tail,app').split(',')) {
        const load = (loadavg()[0] ?? 0).toFixed(2)
        const u = await openUser({ profileDir })
        await u.page.goto(url)
        await u.page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined)
        // BENCH_P6_PROFILE=<dir>: a CPU profile of each chat run (Chrome DevTools format) written there.
        const cdp = process.env.BENCH_P6_PROFILE !== undefined ? await u.page.context().newCDPSession(u.page) : undefined
        if (cdp !== undefined) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start') }
        const r = await u.page.evaluate(async (m) => await (window as unknown as { __bench: { chatOpen: (m: string) => Promise<Record<string, number>> } }).__bench.chatOpen(m), mode)
        if (cdp !== undefined) writeFileSync(join(process.env.BENCH_P6_PROFILE as string, `${mode}-${i + 1}.cpuprofile`), JSON.stringify((await cdp.send('Profiler.stop')).profile))
        await u.close()
        if (r.length !== N) throw new Error(`the chat read ${r.length} of ${N} messages`)
        chatRows.push({ run: i + 1, mode, earlyView: r.early === 1 ? 'yes' : 'no', createChatMs: Math.round(r.createMs ?? -1), last50Ms: Math.round(r.last50Ms ?? -1), paintedMs: Math.round(r.paintMs ?? -1), allMs: Math.round(r.allMs ?? -1), networkMs: Math.round(r.networkMs ?? -1), loadAvg1m: load })
      }
    }
  }
} finally {
  server.close()
  rmSync(profileDir, { recursive: true, force: true })
  rmSync(out, { recursive: true, force: true })
}
const row = { messages: N, crypto: process.env.BENCH_P6_TWEETNACL === '1' ? 'tweetnacl' : 'nacl-noble (as web)', snapshotMiB: snapshot.length / 2 ** 20, storageOpenMs: result.storageMs ?? -1, tailReadMs: result.tailReadMs ?? -1, last50FromTailCacheMs: result.tailMs ?? -1, loadMs: result.loadMs ?? -1, openMs: result.openMs ?? -1, last50ReadableMs: result.last50Ms ?? -1, cacheMs: result.cacheMs ?? -1, allReadableMs: result.allMs ?? -1, allReadableNoCacheMs: result.allNoCacheMs ?? -1, goal: '100 / 1000', loadAvg1m: (loadavg()[0] ?? 0).toFixed(2) }
printTable('P6 cold open in headless Chromium (IndexedDB)', [row])
if (chatRows.length > 0) printTable(`P6 through the app's chat in headless Chromium: createChat of the ${N}-message room, plain / tail-first / tail-first with the network behind it (app) (wall ms)`, chatRows)
console.log(`wrote ${writeResults('history-browser', { p6: [row], chat: chatRows })}`)
