/**
 * P3 CPU cost: relay, sender and R receivers in this one process; the sender keeps W sends in flight until M messages
 * reached every receiver. Prints the CPU time (process.cpuUsage: this thread, libuv's threads and worker threads) per
 * message delivered to all, and the rate that CPU cost allows on C cores if nothing else ran: on a shared machine this
 * is steadier than a rate (it does not count time spent waiting for other processes), and it is the floor to compare
 * with the P3 goal (2,000 msg/s to 10 receivers). Writes bench/results/p3-cpu.json.
 *
 *   node scripts/node22.mjs bench/p3-cpu.ts [messages=1000] [receivers=10] [window=64] [cores=2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startRelay } from '../relay/relay.ts'
import { createChat } from '../src/index.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Chat } from '../src/index.ts'

const M = Number(process.argv[2] ?? '1000')
const R = Number(process.argv[3] ?? '10')
const W = Number(process.argv[4] ?? '64')
const CORES = Number(process.argv[5] ?? '2')

const tmp = await mkdtemp(join(tmpdir(), 'cs-p3c-'))
const relay = await startRelay({ dataDir: join(tmp, 'relay'), host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
const net = { relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
const sender = await createChat({ dataDir: join(tmp, 'sender'), ...net })
const room = await sender.createRoom('p3')
await sender.waitForRelaySync(room.id, 20_000)
const receivers: Chat[] = []
for (let i = 0; i < R; i++) {
  const c = await createChat({ dataDir: join(tmp, `r${i}`), ...net })
  await c.joinRoom(room.invite)
  await c.waitForRelaySync(room.id, 20_000)
  receivers.push(c)
}

async function run (prefix: string, n: number): Promise<{ wallMs: number, cpuMs: number, events: number }> {
  const counts = new Map<number, number>()
  let complete = 0
  let events = 0
  let done: () => void = () => {}
  const all = new Promise<void>(resolve => { done = resolve })
  const listeners = receivers.map((c) => {
    const on = (e: CustomEvent<{ messages: Array<{ text: string }> }>): void => {
      events++
      for (const m of e.detail.messages) {
        if (!m.text.startsWith(prefix)) continue
        const i = Number(m.text.slice(prefix.length))
        const k = (counts.get(i) ?? 0) + 1
        counts.set(i, k)
        if (k === R && ++complete === n) done()
      }
    }
    c.addEventListener('message', on as never)
    return on
  })
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  await new Promise<void>((resolve, reject) => {
    let inFlight = 0
    const pump = (): void => {
      while (inFlight < W && next < n) {
        inFlight++
        sender.send(room.id, `${prefix}${next++}`).then(() => { inFlight--; pump() }, reject)
      }
      if (next >= n && inFlight === 0) resolve()
    }
    pump()
  })
  await all
  const c = process.cpuUsage(c0)
  receivers.forEach((r, i) => { r.removeEventListener('message', listeners[i] as never) })
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, events }
}

await run('warm:', 50)
const load = loadavg()[0] ?? NaN
const r = await run('m:', M)
const cpuUs = r.cpuMs * 1000 / M
const rows = [{
  receivers: R,
  messages: M,
  window: W,
  cpuUsPerMessage: Math.round(cpuUs),
  cpuUsPerMessagePerReceiver: Math.round(cpuUs / R),
  msgPerSAllowedOnCores: Math.round(CORES * 1e6 / cpuUs),
  wallMsgPerS: Math.round(M / (r.wallMs / 1000)),
  messagesPerReceiverEvent: Math.round(M * R / Math.max(1, r.events) * 10) / 10
}]
printTable(`P3 CPU cost: relay + sender + ${R} receivers in one process, ${W} sends in flight (load ${load.toFixed(1)})`, rows)
console.log(`msgPerSAllowedOnCores: what this CPU cost allows on ${CORES} cores with nothing else running (P3 goal: 2,000)`)
console.log('results:', writeResults('p3-cpu', { rows, load, cores: CORES }))
await sender.close()
for (const c of receivers) await c.close()
await relay.stop()
await rm(tmp, { recursive: true, force: true })
process.exit(0)
