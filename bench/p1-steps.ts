/**
 * P1 cost breakdown: relay, sender and receiver in this one process (no scheduling between processes), N sequential
 * messages; prints the CPU time per message of the whole path (process.cpuUsage) and the wall time, so a CPU profile
 * of this run (`node --cpu-prof --cpu-prof-interval 100 ...`) divided by N gives µs per step per message.
 *
 *   node scripts/node22.mjs bench/p1-steps.ts [messages=1000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startRelay } from '../relay/relay.ts'
import { createChat } from '../src/index.ts'

const N = Number(process.argv[2] ?? '1000')
const tmp = await mkdtemp(join(tmpdir(), 'cs-p1s-'))
const relay = await startRelay({ dataDir: join(tmp, 'relay'), host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
const net = { relays: [relay.url], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
const a = await createChat({ dataDir: join(tmp, 'a'), ...net })
const b = await createChat({ dataDir: join(tmp, 'b'), ...net })
const room = await a.createRoom('p1')
await b.joinRoom(room.invite)
await a.waitForRelaySync(room.id, 20_000)
await b.waitForRelaySync(room.id, 20_000)
let want = ''
let got: () => void = () => {}
b.addEventListener('message', (e) => { if (e.detail.messages.some(m => m.text === want)) got() })
const run = async (n: number): Promise<{ wallMs: number, cpuMs: number }> => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    want = `${i}:${t0}`
    const arrived = new Promise<void>(resolve => { got = resolve })
    await a.send(room.id, want)
    await arrived
  }
  const c = process.cpuUsage(c0)
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }
}
await run(50)
// P1_PROFILE=<file>: a CPU profile of the measured messages only (no start-up, no warm-up).
const profileTo = process.env.P1_PROFILE
const session = profileTo != null ? new Session() : undefined
if (session != null) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
}
const r = await run(N)
if (session != null && profileTo != null) {
  const { profile } = await session.post('Profiler.stop')
  await writeFile(profileTo, JSON.stringify(profile))
}
console.log(JSON.stringify({ messages: N, wallUsPerMessage: Math.round(r.wallMs * 1000 / N), cpuUsPerMessage: Math.round(r.cpuMs * 1000 / N) }))
await a.close()
await b.close()
await relay.stop()
await rm(tmp, { recursive: true, force: true })
process.exit(0)
