/**
 * History benchmarks (issue 4). Prints tables and writes bench/results/history.json.
 *   P5  sync of 10k and 100k messages from an old peer to a new one over real libp2p (TCP, noise, yamux on
 *       127.0.0.1), the new peer persisting to a Node file store, then decrypting (real envelope, openFrame).
 *   P6  cold open of a 100k-message room from disk (Node): until the last 50 are readable, until all are;
 *       from a compacted file and from one record per message (as appends leave it).
 *   P7  heap per 100k messages once loaded; append cost at 1k vs 100k messages (memory store: the log's own
 *       CPU cost) and with fsync (file store).
 * Run: node scripts/node22.mjs bench/history.ts   (BENCH_HISTORY_N=20000 for a quick run). Timings depend on load:
 * other processes on a 2-core machine inflate them up to 3×.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { SYNC_PROTOCOL } from '../src/constants.ts'
import { openRoomLog } from '../src/history/room-log.ts'
import { handleSync, syncRoom } from '../src/history/sync.ts'
import { syncAuth } from '../src/chat/sync-auth.ts'
import { memoryUpdateStore } from '../src/storage/memory-update-store.ts'
import { openFileUpdateStore } from '../src/storage/file-update-store.ts'
import { openStorage } from '../src/storage/node.ts'
import { createIdentity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import { openFrame, sealMessage } from '../src/envelope/index.ts'
import { verifyBatchStats } from '../src/crypto/verify-batch.node.ts'
import { OpenedFrames, loadOpenedFrames, saveOpenedFrames } from '../src/history/opened-frames.ts'
import type { Libp2p } from '@libp2p/interface'
import type { RoomLog } from '../src/history/room-log.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Row } from './lib/report.ts'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const N = Number(process.env.BENCH_HISTORY_N ?? 100_000)
const SMALL = Math.min(10_000, N)
const TEXT = 'x'.repeat(120)
const room = deriveRoomKeys(createRoomSecret())
const authors = Array.from({ length: 5 }, () => ({ identity: createIdentity(), device: Math.floor(Math.random() * 2 ** 32), seq: 0 }))
/** BENCH_HISTORY_SKIP=p5,full skips P5 and/or P6's decrypt-all with full openFrame (each takes tens of seconds). */
const SKIP = new Set((process.env.BENCH_HISTORY_SKIP ?? '').split(',').filter(Boolean))
const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10

async function sealAll (n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const a = authors[i % authors.length] as typeof authors[number]
    a.seq++
    out.push((await sealMessage({ identity: a.identity, room, device: a.device, seq: a.seq, body: { k: 'text', text: `${i} ${TEXT}` } })).frame)
  }
  return out
}

/** Decrypts and checks frames as a client would: 256 at a time, so their signature checks batch (#verify-batch: this thread + worker threads). */
async function decryptAll (frames: Uint8Array[], opts: { writeSignatureVerified?: boolean } = {}): Promise<void> {
  for (let i = 0; i < frames.length; i += 256) await Promise.all(frames.slice(i, i + 256).map(async f => await openFrame(f, room, opts)))
}

async function node (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

const t0 = performance.now()
const frames = await sealAll(N)
const frameBytes = frames.reduce((s, f) => s + f.length, 0) / N
console.log(`sealed ${N} frames (${frameBytes.toFixed(0)} B each) in ${ms(t0)} ms`)

// ── P7b: append cost at 1k vs N (memory store = the log's own cost) ──
const appendRows: Row[] = []
const oldLog = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
{
  const windowSize = 1000
  let w0 = performance.now()
  for (let i = 0; i < N; i++) {
    await oldLog.append(frames[i] as Uint8Array)
    if (i + 1 === windowSize) appendRows.push({ store: 'memory', at: '0..1k', usPerAppend: (performance.now() - w0) * 1000 / windowSize })
    if (i + 1 === N - windowSize) w0 = performance.now()
  }
  appendRows.push({ store: 'memory', at: `${(N - windowSize) / 1000}k..${N / 1000}k`, usPerAppend: (performance.now() - w0) * 1000 / windowSize })
}
const fileDir = await mkdtemp(join(tmpdir(), 'cs-bench-'))
{
  // With fdatasync: the durable cost a sender waits for (one record per append).
  const log = await openRoomLog({ store: await openFileUpdateStore({ path: join(fileDir, 'append.log') }), roomId: room.roomId, writePublicKey: room.writePublicKey })
  const n = 300
  const w0 = performance.now()
  for (let i = 0; i < n; i++) await log.append(frames[i] as Uint8Array)
  appendRows.push({ store: 'file + fdatasync', at: '0..300', usPerAppend: (performance.now() - w0) * 1000 / n })
  await log.close()
}
printTable('P7b append cost (µs per append; should stay flat)', appendRows)

// ── P5: sync old → new over libp2p, then decrypt ──
const p5Rows: Row[] = []
for (const count of SKIP.has('p5') ? [] : [...new Set([SMALL, N])]) {
  const source = count === N ? oldLog : await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
  if (count !== N) for (let i = 0; i < count; i++) await source.append(frames[i] as Uint8Array)
  const server = await node()
  const client = await node()
  // Both sides are members: each proves membership once per session (src/chat/sync-auth.ts).
  const auth = syncAuth({ writePublicKey: room.writePublicKey, writeSeed: room.writeSeed, trusted: () => false })
  await server.handle(SYNC_PROTOCOL, async (stream, connection) => {
    await handleSync(stream, { initiator: connection.remotePeer.toString(), responder: server.peerId.toString() }, t => t === room.topic ? { auth, open: () => source } : undefined)
  })
  const dir = await mkdtemp(join(tmpdir(), 'cs-bench-sync-'))
  // The new peer is a member (it decrypts): it holds the room write seed, as a Chat's room log does.
  const fresh = await openRoomLog({ store: await openFileUpdateStore({ path: join(dir, 'room.log') }), roomId: room.roomId, writePublicKey: room.writePublicKey, writeSeed: room.writeSeed })
  // As the chat does: each chunk's new frames are decrypted as they arrive (a window at a time, so their author
  // signatures are verified in batches shared with worker threads), overlapping the next chunks' guard checks.
  // The guard has just verified each synced frame's room write signature, so openFrame skips that one (every other
  // check, the author signature included, still runs).
  let decrypting = Promise.resolve()
  let decrypted = 0
  fresh.onFrames((got) => { decrypting = decrypting.then(async () => { await decryptAll(got, { writeSignatureVerified: true }); decrypted += got.length }) })
  const c0 = process.cpuUsage()
  const v0 = verifyBatchStats()
  const s0 = performance.now()
  const stream = await client.dialProtocol(server.getMultiaddrs()[0] as never, SYNC_PROTOCOL)
  const result = await syncRoom(stream, { topic: room.topic, initiator: client.peerId.toString(), responder: server.peerId.toString() }, fresh, auth)
  const syncMs = ms(s0)
  await decrypting
  const totalMs = ms(s0)
  const cpu = process.cpuUsage(c0)
  const v1 = verifyBatchStats()
  // Share of all signature checks (both kinds) done by worker threads; ~0.5 on an idle 2-core machine.
  const byWorkers = (v1.byWorkers - v0.byWorkers) / (2 * count)
  const d0 = performance.now()
  await decryptAll(fresh.frames(-50), { writeSignatureVerified: true })
  const last50Ms = ms(d0)
  if (fresh.length !== count || result.received !== count || decrypted !== count) throw new Error(`sync incomplete: ${fresh.length}/${decrypted}/${count}`)
  p5Rows.push({ messages: count, chunks: result.receivedChunks, syncMs, syncAndAllDecryptedMs: totalMs, cpuMsBothPeers: Math.round((cpu.user + cpu.system) / 1000), verifiedByWorkers: byWorkers.toFixed(2), decryptLast50AfterMs: last50Ms, goalMs: count <= 10_000 ? 150 : 1500, loadAvg1m: loadavg()[0]?.toFixed(2) ?? '' })
  await fresh.close()
  if (source !== oldLog) await source.close()
  await client.stop(); await server.stop()
  await rm(dir, { recursive: true, force: true })
}
printTable('P5 sync old peer → new peer over libp2p TCP (new peer persists with fsync), decrypting as chunks arrive', p5Rows)

// ── P6: cold open from disk ──
const p6Rows: Row[] = []
for (const layout of ['compacted (1 record)', `uncompacted (${N} records)`]) {
  const dir = await mkdtemp(join(tmpdir(), 'cs-bench-open-'))
  {
    const storage = await openStorage({ dir })
    const store = await storage.openRoom(room.roomIdText)
    if (layout.startsWith('compacted')) {
      await store.compact((oldLog.missingFor(new Uint8Array([0]), 1 << 30))[0] as Uint8Array)
    } else {
      // As appends leave the file: one single-insert update per message (written in one batch here to save time).
      const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
      const updates: Uint8Array[] = []
      for (const f of frames) updates.push(await log.append(f))
      await Promise.all(updates.map(u => store.append(u)))
      await log.close()
    }
    await storage.close()
  }
  const size = (await stat(join(dir, 'rooms', `${room.roomIdText}.log`))).size
  {
    // Open and close once so the room has a tail cache, as it has after any normal session.
    const storage = await openStorage({ dir })
    const log = await openRoomLog({ store: await storage.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: Infinity })
    // And its opened-frames record, as the chat leaves it after it opened every message once (with every check).
    const opened = new OpenedFrames()
    for (const f of frames) opened.add(f)
    await saveOpenedFrames(storage, room.roomIdText, opened)
    await log.close(); await storage.close()
  }
  gc()
  const o0 = performance.now()
  const storage = await openStorage({ dir })
  let tailShown: Promise<number> | undefined
  const log = await openRoomLog({
    store: await storage.openRoom(room.roomIdText),
    roomId: room.roomId,
    writePublicKey: room.writePublicKey,
    onTail: async (tail) => { tailShown = decryptAll(tail.slice(-50)).then(() => ms(o0)); await tailShown }
  })
  const tailMs = tailShown === undefined ? -1 : await tailShown
  const openMs = ms(o0)
  await decryptAll(log.frames(-50))
  const last50 = ms(o0)
  // Every message readable as the chat does it on a cold open: frames this device opened before (all of them here)
  // are only decrypted and decoded (reopenFrame via the opened-frames cache, read from the meta record).
  const opened = await loadOpenedFrames(storage, room.roomIdText)
  let fullOpens = 0
  for (const f of log.frames()) await opened.open(f, room, async () => { fullOpens++; return await openFrame(f, room) })
  const allCached = ms(o0)
  if (fullOpens > 0) throw new Error(`${fullOpens} frames were not in the opened-frames cache`)
  // Decrypting everything with every check (no cache: a device that never opened them): measured once.
  let all: number | string = '-'
  if (layout.startsWith('compacted') && !SKIP.has('full')) { const f0 = performance.now(); await decryptAll(log.frames()); all = ms(f0) + allCached }
  p6Rows.push({ file: layout, fileMiB: size / 2 ** 20, last50FromTailCacheMs: tailMs, openMs, last50ReadableMs: last50, allReadableMs: allCached, allReadableNoCacheMs: all, goal: '100 / 1000' })
  await log.close(); await storage.close()
  await rm(dir, { recursive: true, force: true })
}
printTable(`P6 cold open of a ${N}-message room from disk (Node)`, p6Rows)

// ── P7: heap per N messages, loaded from a compacted Node file (frames stay views into the file's buffer) ──
const p7Dir = await mkdtemp(join(tmpdir(), 'cs-bench-heap-'))
{
  const store = await openFileUpdateStore({ path: join(p7Dir, 'room.log') })
  await store.compact((oldLog.missingFor(new Uint8Array([0]), 1 << 30))[0] as Uint8Array)
  await store.close()
}
await oldLog.close()
frames.length = 0
gc(); gc()
const h0 = process.memoryUsage()
const loaded: RoomLog = await openRoomLog({ store: await openFileUpdateStore({ path: join(p7Dir, 'room.log') }), roomId: room.roomId, writePublicKey: room.writePublicKey })
loaded.frames(-1)
// The log packs the loaded frames into one buffer right after the open returns.
await new Promise(resolve => setTimeout(resolve, 10))
gc(); gc()
const h1 = process.memoryUsage()
const heapPer = (h1.heapUsed - h0.heapUsed) / N
const abPer = (h1.arrayBuffers - h0.arrayBuffers) / N
const p7Rows: Row[] = [{
  messages: N,
  frameBytes: Math.round(frameBytes),
  jsHeapBytesPerMsg: Math.round(heapPer),
  arrayBufferBytesPerMsg: Math.round(abPer),
  overheadOverPayloadPerMsg: Math.round(heapPer + abPer - frameBytes),
  goalOverhead: 100
}]
printTable(`P7 memory of a loaded ${N}-message room`, p7Rows)
await loaded.close()
await rm(p7Dir, { recursive: true, force: true })
await rm(fileDir, { recursive: true, force: true })

const path = writeResults('history', { messages: N, frameBytes, p5: p5Rows, p6: p6Rows, p7: p7Rows, append: appendRows, totalMs: ms(t0) })
console.log(`\nwrote ${path} (total ${(ms(t0) / 1000).toFixed(1)} s)`)
