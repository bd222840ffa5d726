/**
 * P1: text latency between two peers through the relay (relay and receiver in their own processes, sender here),
 * p50/p99 over sequential messages, next to the same workload over a plain WebSocket broadcast server started in the
 * same run (the baseline every chat server beats by doing less). Goal: p50 ≤ 2 ms, p99 ≤ 8 ms. Prints a table and
 * writes bench/results/p1-latency.json.
 *
 *   node scripts/node22.mjs bench/p1-latency.ts [messages=300]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket, WebSocketServer } from 'ws'
import { createChat } from '../src/index.ts'
import { printTable, writeResults } from './lib/report.ts'
import { percentile, spawnRelay, spawnWorker } from './p1-support.ts'

const N = Number(process.argv[2] ?? '300')
const now = (): number => performance.timeOrigin + performance.now()

async function chatLatencies (): Promise<number[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'cs-p1-'))
  const relay = await spawnRelay(join(tmp, 'relay'))
  const sender = await createChat({ dataDir: join(tmp, 'sender'), relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'], displayName: 'sender' })
  const room = await sender.createRoom('p1')
  await sender.waitForRelay(20_000)
  await sender.waitForRelaySync(room.id, 20_000)
  const worker = await spawnWorker(relay.url, room.invite, 1, join(tmp, 'w'))
  const latencies: number[] = []
  try {
    for (let i = 0; i < N + 20; i++) {
      const sentAt = now()
      const got = worker.next(l => l.seq === i)
      await sender.send(room.id, `${i}:${sentAt}`)
      const line = await got
      if (i >= 20) latencies.push(line.at - sentAt)
    }
  } finally {
    await sender.close()
    await worker.stop()
    await relay.stop()
    await rm(tmp, { recursive: true, force: true })
  }
  return latencies
}

async function wsLatencies (): Promise<number[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  server.on('connection', (socket) => {
    socket.on('message', (data) => { for (const c of server.clients) if (c !== socket) c.send(data) })
  })
  await new Promise(resolve => server.once('listening', resolve))
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`
  const open = async (): Promise<WebSocket> => await new Promise((resolve, reject) => { const s = new WebSocket(url); s.once('open', () => resolve(s)); s.once('error', reject) })
  const a = await open()
  const b = await open()
  const latencies: number[] = []
  for (let i = 0; i < N + 20; i++) {
    const sentAt = now()
    const got = new Promise<number>(resolve => b.once('message', () => resolve(now())))
    a.send(JSON.stringify({ room: 'p1', text: `${i}:${sentAt}` }))
    const at = await got
    if (i >= 20) latencies.push(at - sentAt)
  }
  a.close(); b.close()
  await new Promise(resolve => server.close(resolve))
  return latencies
}

const chat = await chatLatencies()
const ws = await wsLatencies()
const row = (name: string, l: number[]): Record<string, string | number> => ({ path: name, messages: l.length, p50ms: percentile(l, 50), p99ms: percentile(l, 99), maxMs: percentile(l, 100) })
const rows = [row('ChatSphere (peer → relay → peer)', chat), row('plain ws broadcast server', ws)]
const ratio = { p50: percentile(chat, 50) / percentile(ws, 50), p99: percentile(chat, 99) / percentile(ws, 99) }
printTable('P1: text latency between two peers (sequential messages, ms)', rows)
console.log(`ratio ChatSphere / ws: p50 ${ratio.p50.toFixed(1)}×, p99 ${ratio.p99.toFixed(1)}×   (goal: p50 ≤ 2 ms, p99 ≤ 8 ms)`)
console.log('results:', writeResults('p1-latency', { messages: N, rows, ratio, goal: { p50ms: 2, p99ms: 8 }, note: 'Includes seal (sign + encrypt), fsync of the local log, relay validation and fsync, receiver validation, fsync and open.' }))
process.exit(0)
