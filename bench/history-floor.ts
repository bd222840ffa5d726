/**
 * P5 floor (issue 4): what each step of receiving N synced messages costs on its own, on this machine, so the sync
 * benchmark (bench/history.ts) can be read against it. Per message, a new peer must at least: verify the room write
 * signature (the guard, before Yjs sees the update), decrypt (secretbox), verify the author signature, decode the
 * inner CBOR, parse the update with our strict reader, apply it to Yjs, and write it to disk with fdatasync.
 * Run: node scripts/node22.mjs bench/history-floor.ts   (BENCH_HISTORY_N, default 10000)
 */
import { availableParallelism, loadavg } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { signatureHoldsSync, verifySync } from '#ed25519'
import { verifyBatched, warmVerifyWorkers } from '#verify-batch'
import { createIdentity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import { openFrame, sealMessage } from '../src/envelope/index.ts'
import { frameSigningInput, parseFrame } from '../src/envelope/frame.ts'
import { secretboxOpen } from '../src/crypto/secretbox.ts'
import { openRoomLog } from '../src/history/room-log.ts'
import { parseLogUpdate } from '../src/history/update-codec.ts'
import { memoryUpdateStore } from '../src/storage/memory-update-store.ts'
import { openFileUpdateStore } from '../src/storage/file-update-store.ts'
import { SIGNATURE_BYTES } from '../src/constants.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Row } from './lib/report.ts'

const N = Number(process.env.BENCH_HISTORY_N ?? 10_000)
const room = deriveRoomKeys(createRoomSecret())
const authors = Array.from({ length: 5 }, () => ({ identity: createIdentity(), device: 7, seq: 0 }))
const frames: Uint8Array[] = []
for (let i = 0; i < N; i++) {
  const a = authors[i % authors.length] as typeof authors[number]
  frames.push((await sealMessage({ identity: a.identity, room, device: a.device, seq: ++a.seq, body: { k: 'text', text: `${i} ${'x'.repeat(120)}` } })).frame)
}
const rows: Row[] = []
async function time (step: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  await fn() // warm-up
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  rows.push({ step, ms: Math.round(ms * 10) / 10, usPerMsg: Math.round(ms * 1000 / N * 10) / 10, loadAvg1m: (loadavg()[0] ?? 0).toFixed(2) })
}

const inputs = frames.map(f => ({ msg: frameSigningInput(room.roomId, f.subarray(0, f.length - SIGNATURE_BYTES)), sig: f.subarray(f.length - SIGNATURE_BYTES) }))
await time('ed25519 verify, main thread only', () => { for (const x of inputs) if (!verifySync(room.writePublicKey, x.msg, x.sig)) throw new Error('bad') })
await time('room write signature by re-signing (a member holds the seed), main thread only', () => {
  for (const x of inputs) if (!signatureHoldsSync(room.writeSeed, room.writePublicKey, x.msg, x.sig)) throw new Error('bad')
})
await warmVerifyWorkers()
await time('ed25519 verify, batched (#verify-batch: main + worker threads)', async () => {
  await Promise.all(inputs.map(async x => { if (!await verifyBatched(room.writePublicKey, x.msg, x.sig)) throw new Error('bad') }))
})
await time('room write signature by re-signing, batched (main + worker threads)', async () => {
  await Promise.all(inputs.map(async x => { if (!await verifyBatched(room.writePublicKey, x.msg, x.sig, room.writeSeed)) throw new Error('bad') }))
})
await time('secretbox open', () => { for (const f of frames) { const h = parseFrame(f); secretboxOpen(h.ciphertext, h.nonce, room.key) } })
await time('openFrame one by one (author verify + decrypt + decode), write sig known', async () => {
  for (const f of frames) await openFrame(f, room, { writeSignatureVerified: true, now: Number.MAX_SAFE_INTEGER / 2 })
})
await time('openFrame 256 at a time (author verifies batched)', async () => {
  for (let i = 0; i < frames.length; i += 256) await Promise.all(frames.slice(i, i + 256).map(async f => await openFrame(f, room, { writeSignatureVerified: true, now: Number.MAX_SAFE_INTEGER / 2 })))
})
// Yjs: the update a sync brings, as one update and as 256 KiB chunks.
const src = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
for (const f of frames) await src.append(f)
const whole = src.missingFor(new Uint8Array([0]), 1 << 30)[0] as Uint8Array
const chunks = src.missingFor(new Uint8Array([0]))
await time(`strict update parse (${chunks.length} chunks)`, () => { for (const c of chunks) parseLogUpdate(c) })
await time(`Y.applyUpdate, ${chunks.length} chunks`, () => { const d = new Y.Doc(); for (const c of chunks) Y.applyUpdate(d, c); d.destroy() })
await time('Y.applyUpdate, one update', () => { const d = new Y.Doc(); Y.applyUpdate(d, whole); d.destroy() })
const dir = await mkdtemp(join(tmpdir(), 'cs-floor-'))
let k = 0
await time(`file store: ${chunks.length} appends + fdatasync each`, async () => {
  const s = await openFileUpdateStore({ path: join(dir, `a${k++}.log`) })
  for (const c of chunks) await s.append(c)
  await s.close()
})
await time('file store: one append + fdatasync', async () => {
  const s = await openFileUpdateStore({ path: join(dir, `b${k++}.log`) })
  await s.append(whole)
  await s.close()
})
await src.close()
await rm(dir, { recursive: true, force: true })
printTable(`P5 floor: cost of each step for ${N} messages (${availableParallelism()} cores)`, rows)
const path = writeResults('history-floor', { messages: N, rows })
console.log(`wrote ${path}`)
