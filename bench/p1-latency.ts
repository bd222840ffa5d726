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

/** The same path with relay, sender and receiver in this one process (no scheduling between processes). */
async function inProcessLatencies (): Promise<number[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'cs-p1-'))
  const { startRelay } = await import('../relay/relay.ts')
  const { pino } = await import('pino')
  const relay = await startRelay({ dataDir: join(tmp, 'relay'), host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  const net = { relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
  const a = await createChat({ dataDir: join(tmp, 'a'), ...net })
  const b = await createChat({ dataDir: join(tmp, 'b'), ...net })
  const latencies: number[] = []
  try {
    const room = await a.createRoom('p1')
    await b.joinRoom(room.invite)
    await a.waitForRelaySync(room.id, 20_000)
    await b.waitForRelaySync(room.id, 20_000)
    for (let i = 0; i < N + 20; i++) {
      const text = `${i}:0`
      const got = new Promise<number>(resolve => {
        const on = (e: CustomEvent<{ messages: Array<{ text: string }> }>): void => {
          if (!e.detail.messages.some(m => m.text === text)) return
          b.removeEventListener('message', on as never)
          resolve(now())
        }
        b.addEventListener('message', on as never)
      })
      const sentAt = now()
      await a.send(room.id, text)
      const at = await got
      if (i >= 20) latencies.push(at - sentAt)
    }
  } finally {
    await a.close()
    await b.close()
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
const single = await inProcessLatencies()
const ws = await wsLatencies()
const row = (name: string, l: number[]): Record<string, string | number> => ({ path: name, messages: l.length, p50ms: percentile(l, 50), p99ms: percentile(l, 99), maxMs: percentile(l, 100) })
const rows = [row('ChatSphere, 3 processes (peer → relay → peer)', chat), row('ChatSphere, relay + 2 peers in 1 process', single), row('plain ws broadcast server (1 process)', ws)]
const ratio = { p50: percentile(chat, 50) / percentile(ws, 50), p99: percentile(chat, 99) / percentile(ws, 99) }
printTable('P1: text latency between two peers (sequential messages, ms)', rows)
console.log(`ratio ChatSphere / ws: p50 ${ratio.p50.toFixed(1)}×, p99 ${ratio.p99.toFixed(1)}×   (goal: p50 ≤ 2 ms, p99 ≤ 8 ms)`)
console.log('results:', writeResults('p1-latency', { messages: N, rows, ratio, goal: { p50ms: 2, p99ms: 8 }, note: 'ChatSphere: seal (sign + encrypt), fsync of the sender log, publish, relay guard check (forwards before its own fsync), receiver guard check, apply and open (write signature, decrypt, author signature). The ws baseline server and both clients share this process (no crypto, no disk).' }))
process.exit(0)
