// Direct upgrade when the WebRTC set-up dies during ICE: time from the upgrade's start (DirectUpgrader.upgrade) to the
// upgrader reporting `failed`, two real libp2p nodes in this process, a real relay process, loopback WebRTC.
// Faults (BENCH_DEAD_FAULT): `answer` closes the answering end's RTCPeerConnection right after its answer is set,
// `offer` the dialling end's right after the answer is applied, `none` makes healthy set-ups and reports how long
// before the dial completed the dialling end saw the answering end close its writing on the signalling stream (the
// reason that close alone cannot mean failure).
// Run: node scripts/node22.mjs bench/direct-dead-setup.ts   (BENCH_DEAD_RUNS, default 5; BENCH_DEAD_FAULT, default
// answer; BENCH_DEAD_UPGRADER: path of the upgrader module to measure, default src/net/direct-upgrader.ts)
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { createChatNode } from '../src/net/create-node.ts'
import { isWebRTCConnection } from '../src/net/direct-glare.ts'
import { signallingStreams } from '../src/net/direct-setup.ts'
import { RelayConnector } from '../src/net/relay-connector.ts'
import { waitUntil } from '../src/net/wait-until.ts'
import { cleanupDirs, startRelayProc } from '../tests/integration/support/processes.ts'
import type { Libp2p } from '@libp2p/interface'
import type { DirectUpgrader as Upgrader } from '../src/net/direct-upgrader.ts'

const RUNS = Number(process.env.BENCH_DEAD_RUNS ?? 5)
const FAULT = process.env.BENCH_DEAD_FAULT ?? 'answer'
const MODULE = resolve(process.env.BENCH_DEAD_UPGRADER ?? 'src/net/direct-upgrader.ts')
const { DirectUpgrader } = await import(pathToFileURL(MODULE).href) as { DirectUpgrader: typeof Upgrader }

let armed = false
const proto = RTCPeerConnection.prototype as unknown as Record<'setLocalDescription' | 'setRemoteDescription', (this: RTCPeerConnection, d?: RTCSessionDescriptionInit) => Promise<void>>
for (const method of ['setLocalDescription', 'setRemoteDescription'] as const) {
  const orig = proto[method]
  proto[method] = async function (d) {
    await orig.call(this, d)
    const hit = FAULT === 'answer' ? method === 'setLocalDescription' && d?.type === 'answer' : FAULT === 'offer' && method === 'setRemoteDescription' && d?.type === 'answer'
    if (!armed || !hit) return
    armed = false
    setTimeout(() => { this.close() }, 0)
  }
}

const relay = await startRelayProc()
async function peer (): Promise<{ id: string, node: Libp2p, relays: RelayConnector, direct: Upgrader }> {
  const node = await createChatNode({ listen: ['/p2p-circuit', '/webrtc'], mdns: false, webrtcBindAddress: '127.0.0.1' }) as unknown as Libp2p
  await node.start()
  const relays = new RelayConnector(node, { relays: [relay.url] })
  relays.start()
  await relays.waitConnected(15_000)
  await waitUntil(() => node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit')), 15_000, [[node, 'self:peer:update']])
  const direct = new DirectUpgrader(node, { relays: () => relays.connectedRelays(), isRelay: id => relays.isRelay(id), dialTimeoutMs: 60_000 })
  direct.start()
  return { id: node.peerId.toString(), node, relays, direct }
}
const alice = await peer()
const bob = await peer()

/** Until neither end holds a WebRTC connection or a signalling stream with the other (between runs). */
async function quiet (): Promise<void> {
  const pairs = [[alice, bob], [bob, alice]] as const
  for (const [a, b] of pairs) {
    for (const c of a.node.getConnections(b.node.peerId)) if (isWebRTCConnection(c)) await c.close().catch(() => {})
  }
  const idle = (): boolean => pairs.every(([a, b]) =>
    signallingStreams(a.node, b.id).every(s => s.status !== 'open') && !a.node.getConnections(b.node.peerId).some(isWebRTCConnection))
  const events: Array<[EventTarget, string]> = [[alice.node, 'connection:close'], [bob.node, 'connection:close']]
  for (let i = 0; i < 200 && !idle(); i++) await waitUntil(idle, 100, events)
}

const times: number[] = []
const gaps: number[] = []
const results: string[] = []
for (let i = 0; i < RUNS; i++) {
  await quiet()
  armed = FAULT !== 'none'
  let closeWriteAt: number | undefined
  const seen = new WeakSet<object>()
  // The signalling stream has no open event: looked for every ms while the dial runs.
  const poll = setInterval(() => {
    for (const s of signallingStreams(alice.node, bob.id, 'outbound')) {
      if (seen.has(s)) continue
      seen.add(s)
      s.addEventListener('remoteCloseWrite', () => { closeWriteAt ??= performance.now() }, { once: true })
    }
  }, 1)
  const start = performance.now()
  const state = await alice.direct.upgrade(bob.id)
  const doneAt = performance.now()
  const ms = doneAt - start
  clearInterval(poll)
  times.push(ms)
  results.push(state)
  if (FAULT === 'none' && closeWriteAt != null) gaps.push(doneAt - closeWriteAt)
  console.log(`run ${i + 1}: ${state} after ${ms.toFixed(0)} ms${state === 'failed' ? ` (${alice.direct.lastError(bob.id) ?? ''})` : ''}`)
}

const sorted = [...times].sort((a, b) => a - b)
console.log(JSON.stringify({
  bench: 'direct-dead-setup',
  upgrader: MODULE,
  fault: FAULT,
  runs: RUNS,
  states: results,
  msToSettle: { min: Math.round(sorted[0] ?? NaN), median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN), max: Math.round(sorted.at(-1) ?? NaN) },
  // Positive: the answering end's close of its writing reached the dialling end before its dial completed.
  closeWriteBeforeDialDoneMs: gaps.map(g => Math.round(g * 10) / 10),
  loadavg: loadavg().map(x => Math.round(x * 100) / 100)
}))

for (const p of [alice, bob]) { p.direct.stop(); p.relays.stop(); await p.node.stop() }
await relay.proc.stop()
await cleanupDirs()
process.exit(0)
