/**
 * P2: fan-out in one room to 10 and 50 Node peers spread over several worker processes, through one relay: for each
 * message, the time until the last receiver has it; p50/p99 over the messages. Goal: p99 ≤ 10 ms (10 peers),
 * ≤ 40 ms (50 peers). Prints a table and writes bench/results/p2-fanout.json.
 *
 *   node scripts/node22.mjs bench/p2-fanout.ts [messages=100] [sizes=10,50]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'
import { printTable, writeResults } from './lib/report.ts'
import { percentile, spawnRelay, spawnWorker } from './p1-support.ts'
import type { WorkerChild } from './p1-support.ts'

const MESSAGES = Number(process.argv[2] ?? '50')
const SIZES = (process.argv[3] ?? '10,50').split(',').map(Number)
const PEERS_PER_WORKER = 10
const now = (): number => performance.timeOrigin + performance.now()

async function fanout (peers: number): Promise<Record<string, string | number>> {
  const tmp = await mkdtemp(join(tmpdir(), 'cs-p2-'))
  const relay = await spawnRelay(join(tmp, 'relay'))
  const sender = await createChat({ dataDir: join(tmp, 'sender'), relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const room = await sender.createRoom('p2')
  await sender.waitForRelay(20_000)
  await sender.waitForRelaySync(room.id, 20_000)
  const workers: WorkerChild[] = []
  const startSetup = now()
  try {
    const groups = Math.ceil(peers / PEERS_PER_WORKER)
    workers.push(...await Promise.all(Array.from({ length: groups }, async (_, g) =>
      await spawnWorker(relay.url, room.invite, Math.min(PEERS_PER_WORKER, peers - g * PEERS_PER_WORKER), join(tmp, `w${g}`), true))))
    const setupMs = now() - startSetup
    const got = new Map<number, number>()
    const last = new Map<number, number>()
    for (const w of workers) {
      w.onReceipt((r) => {
        got.set(r.seq, (got.get(r.seq) ?? 0) + 1)
        last.set(r.seq, Math.max(last.get(r.seq) ?? 0, r.at))
      })
    }
    const sentAt = new Map<number, number>()
    const spreads: number[] = []
    for (let i = 0; i < MESSAGES + 10; i++) {
      const t = now()
      sentAt.set(i, t)
      await sender.send(room.id, `${i}:${t}`)
      const deadline = Date.now() + 2_000
      while ((got.get(i) ?? 0) < peers && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 1))
      if (i >= 10 && (got.get(i) ?? 0) >= peers) spreads.push((last.get(i) as number) - t)
    }
    const complete = spreads.length
    if (workers.some(w => w.exited)) throw new Error('a worker process died')
    return { peers, processes: workers.length, messages: MESSAGES, complete, p50ms: percentile(spreads, 50), p99ms: percentile(spreads, 99), maxMs: percentile(spreads, 100), setupS: Math.round(setupMs / 100) / 10 }
  } finally {
    await sender.close()
    await Promise.all(workers.map(async w => await w.stop()))
    await relay.stop()
    await rm(tmp, { recursive: true, force: true })
  }
}

const rows = []
for (const n of SIZES) {
  const row = await fanout(n)
  console.log(JSON.stringify(row))
  rows.push(row)
}
printTable('P2: fan-out, time until the last receiver has the message (ms)', rows)
console.log('goal: p99 ≤ 10 ms at 10 peers, ≤ 40 ms at 50 peers')
console.log('results:', writeResults('p2-fanout', { rows, goal: { p99ms10: 10, p99ms50: 40 } }))
process.exit(0)
