/**
 * P3: sustained messages per second in one room with zero loss at N = 10 receivers (two worker processes), through
 * one relay: the sender keeps WINDOW sends in flight for DURATION seconds; the rate counts only messages every
 * receiver got, and loss is what any receiver still lacks after a grace period (catch-up sync included). Goal:
 * ≥ 2,000 msg/s. Prints a table and writes bench/results/p3-throughput.json.
 *
 * The sender also never runs more than BACKLOG messages ahead of the slowest receiver: without it, a sender faster
 * than its receivers piles up a queue that the grace period cannot drain, and the table reports the harness
 * (how long the queue is) instead of the sustained rate. 0 turns the limit off.
 *
 *   node scripts/node22.mjs bench/p3-throughput.ts [seconds=10] [receivers=10] [window=64] [backlog=512]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'
import { printTable, writeResults } from './lib/report.ts'
import { spawnRelay, spawnWorker } from './p1-support.ts'
import type { WorkerChild } from './p1-support.ts'

const SECONDS = Number(process.argv[2] ?? '10')
const RECEIVERS = Number(process.argv[3] ?? '10')
const WINDOW = Number(process.argv[4] ?? '64')
const BACKLOG = Number(process.argv[5] ?? '512')
const GRACE_MS = 20_000

const tmp = await mkdtemp(join(tmpdir(), 'cs-p3-'))
const relay = await spawnRelay(join(tmp, 'relay'))
const sender = await createChat({ dataDir: join(tmp, 'sender'), relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
const room = await sender.createRoom('p3')
await sender.waitForRelay(20_000)
await sender.waitForRelaySync(room.id, 20_000)
const workers: WorkerChild[] = await Promise.all([0, 1].map(async g =>
  await spawnWorker(relay.url, room.invite, Math.ceil(RECEIVERS / 2) - (g === 1 && RECEIVERS % 2 === 1 ? 1 : 0), join(tmp, `w${g}`), true)))
const perPeer = new Map<string, Set<number>>()
let lastReceipt = 0
/** Receivers that have each seq; `completeUpTo`: every seq below it reached all of them. */
const holders: number[] = []
let completeUpTo = 0
let wake: (() => void) | undefined
workers.forEach((w, g) => w.onReceipt((r) => {
  const key = `${g}/${r.peer}`
  let s = perPeer.get(key)
  if (s == null) { s = new Set(); perPeer.set(key, s) }
  if (s.has(r.seq)) return
  s.add(r.seq)
  holders[r.seq] = (holders[r.seq] ?? 0) + 1
  while ((holders[completeUpTo] ?? 0) >= RECEIVERS) completeUpTo++
  lastReceipt = Math.max(lastReceipt, r.at)
  wake?.()
}))

const start = performance.timeOrigin + performance.now()
const end = Date.now() + SECONDS * 1000
let seq = 0
let inFlight = 0
let failures = 0
await new Promise<void>(resolve => {
  const pump = (): void => {
    while (inFlight < WINDOW && Date.now() < end && (BACKLOG === 0 || seq - completeUpTo < BACKLOG)) {
      inFlight++
      const i = seq++
      sender.send(room.id, `${i}:${Date.now()}`).catch(() => { failures++ }).finally(() => { inFlight--; pump() })
    }
    if (inFlight === 0 && Date.now() >= end) resolve()
  }
  // Held back by the backlog: go on when receipts arrive (and check the clock now and then).
  wake = pump
  const timer = setInterval(pump, 50)
  const stop = setInterval(() => { if (Date.now() >= end && inFlight === 0) { clearInterval(timer); clearInterval(stop); resolve() } }, 50)
  pump()
})
const sentEnd = performance.timeOrigin + performance.now()
const sent = seq
const complete = (): number => {
  let n = 0
  for (let i = 0; i < sent; i++) if ([...perPeer.values()].filter(s => s.has(i)).length >= RECEIVERS) n++
  return n
}
const graceEnd = Date.now() + GRACE_MS
while (complete() < sent && Date.now() < graceEnd) await new Promise(resolve => setTimeout(resolve, 200))
const delivered = complete()
const deliveredAll = lastReceipt
const rows = [{
  receivers: RECEIVERS,
  sent,
  sendMsgPerS: Math.round(sent / ((sentEnd - start) / 1000)),
  deliveredToAll: delivered,
  lost: sent - delivered,
  deliveredMsgPerS: Math.round(delivered / ((deliveredAll - start) / 1000)),
  sendFailures: failures
}]
printTable(`P3: sustained throughput, one room, ${RECEIVERS} receivers, ${SECONDS} s, ${WINDOW} sends in flight, backlog ≤ ${BACKLOG}`, rows)
console.log('goal: ≥ 2,000 msg/s with zero loss')
console.log('results:', writeResults('p3-throughput', { seconds: SECONDS, window: WINDOW, backlog: BACKLOG, rows, goal: { msgPerS: 2000, lost: 0 } }))
await sender.close()
await Promise.all(workers.map(async w => await w.stop()))
await relay.stop()
await rm(tmp, { recursive: true, force: true })
process.exit(0)
