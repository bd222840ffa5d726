/**
 * What a large room costs the sender's delivery bookkeeping. Ana has sent N messages to a room Ben and Cal are in
 * (relay and all three in this process, memory storage); Cal marked the first message read and left it there (a
 * reader far behind). Then Ana sends M more, one at a time, and Ben marks each read as it arrives. A CPU profile of
 * that phase gives the time spent in Ana's "seen by N" updates and in her delivery checks with the relay (inclusive
 * CPU ms, per message sent), which before 2026-11-22 walked every message of hers in the room per read marker and per
 * check. `#fold` is the read model rebuilt when something dropped it (a profile, a role change): whoever reads the
 * room first pays it, often the "seen" update. Writes bench/results/delivery-cost.json.
 *
 *   node scripts/node22.mjs bench/delivery-cost.ts [N=20000] [M=200]
 */
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { pino } from 'pino'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRelay } from '../relay/relay.ts'
import { createChat } from '../src/index.ts'
import { memoryStorage } from '../tests/unit/chat/support/memory-storage.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Chat } from '../src/index.ts'

const N = Number(process.argv[2] ?? '20000')
const M = Number(process.argv[3] ?? '200')
const WINDOW = 64

const dir = await mkdtemp(join(tmpdir(), 'cs-delivery-'))
const relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
const net = { relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
const ana = await createChat({ storage: memoryStorage(), displayName: 'Ana', ...net })
const ben = await createChat({ storage: memoryStorage(), displayName: 'Ben', ...net })
const cal = await createChat({ storage: memoryStorage(), displayName: 'Cal', ...net })
for (const c of [ana, ben, cal]) if (!await c.waitForRelay(10_000)) throw new Error('no relay')
const room = await ana.createRoom('big')
await ben.joinRoom(room.invite)
await cal.joinRoom(room.invite)
await ben.waitForRoomPeer(room.id, 10_000)

async function arrived (chat: Chat, id: string): Promise<void> {
  if (chat.messages(room.id).some(m => m.id === id)) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`message ${id} never arrived`)) }, 60_000)
    const on = (e: CustomEvent<{ messages: Array<{ id: string }> }>): void => {
      if (!e.detail.messages.some(m => m.id === id)) return
      clearTimeout(timer)
      chat.removeEventListener('message', on as never)
      resolve()
    }
    chat.addEventListener('message', on as never)
  })
}

const built = performance.now()
let first = ''
let last = ''
for (let i = 0; i < N; i += WINDOW) {
  const sent = await Promise.all(Array.from({ length: Math.min(WINDOW, N - i) }, async (_, k) => await ana.send(room.id, `old ${i + k}`)))
  if (i === 0) first = sent[0]?.id as string
  last = sent.at(-1)?.id as string
}
await arrived(ben, last)
await cal.markRead(room.id, first)
await ben.markRead(room.id, last)
await ana.waitForRelayHold(room.id, last, 30_000)
console.log(`built: ${N} messages of Ana's in ${Math.round(performance.now() - built)} ms`)

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })
await session.post('Profiler.start')
const cpu0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < M; i++) {
  const sent = await ana.send(room.id, `new ${i}`)
  await arrived(ben, sent.id)
  await ben.markRead(room.id, sent.id)
}
await ana.waitForRelayHold(room.id, last, 30_000)
const wallMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
const { profile } = await session.post('Profiler.stop')
session.disconnect()
if (process.env.DELIVERY_PROFILE !== undefined) await writeFile(process.env.DELIVERY_PROFILE, JSON.stringify(profile))

// Inclusive time per function name: a sample counts once for each distinct watched name on its stack.
const watched = ['#updateSeen', 'walkSeen', '#fold', '#checkDelivery', '#pendingIds', '#relayHolds', '#lostOnTheWay']
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const nameOf = new Map(profile.nodes.map(n => [n.id, n.callFrame.functionName]))
const inclusive = new Map<string, number>(watched.map(w => [w, 0]))
const samples = profile.samples ?? []
const deltas = profile.timeDeltas ?? []
samples.forEach((id, i) => {
  const seen = new Set<string>()
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const name = nameOf.get(n) ?? ''
    if (inclusive.has(name) && !seen.has(name)) { seen.add(name); inclusive.set(name, (inclusive.get(name) ?? 0) + (deltas[i] ?? 0) / 1000) }
  }
})

const rows = watched.map(name => ({ function: name, 'ms total': Math.round((inclusive.get(name) ?? 0) * 10) / 10, 'µs per message': Math.round((inclusive.get(name) ?? 0) * 1000 / M) }))
printTable(`N = ${N} old messages of Ana's, M = ${M} sent and read one at a time; load average ${loadavg()[0]?.toFixed(2)}`, rows)
console.log(`phase: ${Math.round(wallMs)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU (whole process: relay and three peers)`)
writeResults('delivery-cost', { n: N, m: M, loadAverage: loadavg()[0], wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), functions: rows })

for (const c of [ana, ben, cal]) await c.close()
await relay.stop()
await rm(dir, { recursive: true, force: true })
