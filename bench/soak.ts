/**
 * Soak (issue 8, test 6): 10 chat peers, each its own process (scripts/soak-peer.ts: createChat, real libp2p, file
 * storage with fsync) and a real relay process, every peer↔relay path through a userland TCP proxy; 50 messages/s in total from random peers;
 * churn every CHURN period: one random peer restarted, one random peer's path cut for 2 s, and the whole group moves
 * to a fresh room (everyone leaves the old one), so the history held in memory stays bounded and what remains of
 * memory growth is a leak.
 *
 * Every 5 s it samples the peers' RSS and open file descriptors (summed over the 10 processes), every 15 s their heap
 * after a forced GC (a GC stalls a peer 50-100 ms), and the relay process' RSS and descriptors. After the warm-up (the first quarter, at least 20 s) it fits least-squares slopes
 * and prints them with p50/p99 delivery latency (send() call to the receiver's `message` event; deliveries to a peer
 * restarted or cut in the last 10 s, and of messages such a peer sent, are left out and reported apart: a cut holds
 * them by design). Exits 1 when a slope is not flat or p99 ≥ 500 ms.
 *
 *   node scripts/node22.mjs bench/soak.ts                        # short: 90 s, churn each minute (once, at 60 s)
 *   SOAK_SECONDS=3600 node scripts/node22.mjs bench/soak.ts      # the long run: an hour, churn each minute
 *
 * Other knobs: SOAK_RATE (messages/s, 0 = idle), SOAK_CHURN_SECONDS, SOAK_PEERS, SOAK_VERBOSE=1 (each peer's CPU,
 * event-loop delay, sync sessions and drops, and the relay's keep requests and sync sessions, at every sample),
 * SOAK_PEER_FLAGS (extra Node flags for the peers, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'), SOAK_NO_FSYNC=1 (a
 * measurement only: the peers' fdatasync becomes a no-op, to see what it costs).
 *
 * Where the cost is (2-core VM, 2026-11-22): per delivery ~1.3-2.5 ms of CPU summed over sender, relay and receiver
 * under load 15-20 (bench/p3-throughput.ts with one send in flight, i.e. one frame per update as here: 1.3 ms; P3's
 * 570 msg/s rides on its sender coalescing many frames per update, which 5 msg/s per sender never does). 10 idle
 * peers + relay: 0.17 cores. Each peer's ~180 MB RSS is mostly its baseline (Node 44 MB, the TypeScript stripper
 * ~16 MB, the module graph ~100 MB), not history.
 *
 * "Flat": the fitted growth over the measured window is at most max(10% of the mean, an absolute allowance:
 * 24 MB heap, 64 MB RSS for the peers, 48 MB for the relay, 8-10 descriptors). Numbers on a shared 2-core machine are noisy.
 */
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { freePort, startRelayProc, tempDir, cleanupDirs } from '../tests/integration/support/processes.ts'
import { startTcpProxy } from '../tests/unit/convergence/tcp-proxy.ts'
import type { TcpProxy } from '../tests/unit/convergence/tcp-proxy.ts'
import type { ChildProcess } from 'node:child_process'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 90)
/** The issue's figure: churn each minute, in the short run too (one churn at 60 s, then 30 s to measure after it). */
const CHURN_S = Number(process.env.SOAK_CHURN_SECONDS ?? 60)
const RATE = Number(process.env.SOAK_RATE ?? 50)
const PEERS = Number(process.env.SOAK_PEERS ?? 10)
const SETTLE_S = Number(process.env.SOAK_SETTLE_SECONDS ?? 5)
/** What a churn does (SOAK_CHURN, comma-separated; default all three): restart a peer, cut a peer's path, move rooms. */
const CHURN = new Set((process.env.SOAK_CHURN ?? 'restart,cut,move').split(','))
const SAMPLE_MS = 5_000
/** Extra Node flags for the peer processes, e.g. SOAK_PEER_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile them. */
const PEER_NODE_FLAGS = (process.env.SOAK_PEER_FLAGS ?? '').split(' ').filter(f => f !== '')
const P99_LIMIT_MS = 500
/** SOAK_VERBOSE=1: every sample also prints each peer's CPU, event-loop delay, sync sessions and drops. */
const VERBOSE = process.env.SOAK_VERBOSE === '1'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function rss (pid: number | 'self'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
}
async function fds (pid: number | 'self'): Promise<number> { return (await readdir(`/proc/${pid}/fd`)).length }

/** CPU time (user + system) a process has used so far, in seconds (/proc/<pid>/stat, 100 ticks/s); 0 once it is gone. */
async function cpuSeconds (pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch { return 0 }
}
/** Busy and total CPU ticks of the whole machine (/proc/stat, all cores). */
async function machineTicks (): Promise<{ busy: number, total: number }> {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
  const total = f.reduce((a, b) => a + b, 0)
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total }
}

/** Least-squares slope of y over x. */
function slope (xs: number[], ys: number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0; let den = 0
  for (let i = 0; i < n; i++) { num += ((xs[i] as number) - mx) * ((ys[i] as number) - my); den += ((xs[i] as number) - mx) ** 2 }
  return den === 0 ? 0 : num / den
}
function quantile (xs: number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}

const relayPort = await freePort()
const relayTcp = await freePort()
const relayDir = await tempDir('cs-soak-relay-')
const relay = await startRelayProc({ port: relayPort, dataDir: relayDir, extra: ['--tcp-port', String(relayTcp), '--log-level', 'info'] })
const relayPid = relay.proc.child.pid as number
const PEER_SCRIPT = join(import.meta.dirname, '..', 'scripts', 'soak-peer.ts')

type Ev = Record<string, unknown> & { ev: string }
/** One peer process (scripts/soak-peer.ts) behind its own proxy to the relay. */
class SoakPeer {
  readonly index: number
  readonly dataDir: string
  readonly proxy: TcpProxy
  proc: ChildProcess | undefined
  readonly #waiters = new Map<string, Array<(e: Ev) => void>>()
  onEvent: (e: Ev) => void = () => {}
  constructor (index: number, dataDir: string, proxy: TcpProxy) { this.index = index; this.dataDir = dataDir; this.proxy = proxy }

  async start (): Promise<void> {
    const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...PEER_NODE_FLAGS, PEER_SCRIPT, this.dataDir, `/ip4/127.0.0.1/tcp/${this.proxy.port}/p2p/${relay.peerId}`], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.proc = proc
    createInterface({ input: proc.stdout as NonNullable<typeof proc.stdout> }).on('line', (line) => {
      let e: Ev
      try { e = JSON.parse(line) as Ev } catch { return }
      const w = this.#waiters.get(e.ev)?.shift()
      w?.(e)
      this.onEvent(e)
    })
    await this.wait('ready')
  }

  async wait (ev: string, timeoutMs = 60_000): Promise<Ev> {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer ${this.index}: no ${ev} in time`)), timeoutMs)
      const list = this.#waiters.get(ev) ?? []
      list.push((e) => { clearTimeout(timer); resolve(e) })
      this.#waiters.set(ev, list)
    })
  }

  write (cmd: Record<string, unknown>): void { this.proc?.stdin?.write(JSON.stringify(cmd) + '\n') }

  async request (cmd: Record<string, unknown>, ev: string): Promise<Ev> {
    const p = this.wait(ev)
    this.write(cmd)
    return await p
  }

  async stop (): Promise<void> {
    const proc = this.proc
    if (proc == null) return
    this.proc = undefined
    const exited = new Promise(resolve => proc.once('exit', resolve))
    proc.stdin?.end()
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(kill)
  }
}

const peers: SoakPeer[] = []
for (let i = 0; i < PEERS; i++) peers.push(new SoakPeer(i, await tempDir(`cs-soak-p${i}-`), await startTcpProxy({ host: '127.0.0.1', port: relayTcp })))

const sentAt = new Map<string, number>()
/** Arrivals reported before the sender's "sent" line was read: id → receive times. */
const early = new Map<string, number[]>()
const latencies: number[] = []
/** When each delivery of `latencies` arrived (same index). */
const latencyAt: number[] = []
/**
 * `latencies` counted per whole millisecond (the last bucket holds anything slower), for the running p99 printed at
 * every sample. Sorting the whole array each time instead cost the driver a growing share of the 2 cores (1.1 M
 * deliveries after 45 minutes), which slowed the peers it measures in the second half of an hour run.
 */
const HIST_MAX_MS = 120_000
const latencyHist = new Uint32Array(HIST_MAX_MS + 1)
function histQuantile (q: number): number {
  const n = latencies.length
  if (n === 0) return NaN
  // The same element `quantile` picks: index floor(q * n) of the sorted deliveries.
  const rank = Math.min(n - 1, Math.floor(q * n))
  let seen = 0
  for (let ms = 0; ms <= HIST_MAX_MS; ms++) {
    seen += latencyHist[ms] as number
    if (seen > rank) return ms
  }
  return HIST_MAX_MS
}
const churnedAt = new Map<number, number>()
/** A peer restarted or cut less than this long ago: its deliveries, and the messages it sends, are counted apart. */
const CHURNED_MS = 10_000
/** Messages sent by a churned peer (a cut path holds them until it heals and the peer reconnects). */
const fromChurned = new Set<string>()
const churnedSenderLatencies: number[] = []
const record = (id: string, at: number, t0: number): void => {
  if (fromChurned.has(id)) { churnedSenderLatencies.push(at - t0); return }
  latencies.push(at - t0)
  latencyAt.push(at)
  const bucket = Math.min(HIST_MAX_MS, Math.max(0, Math.round(at - t0)))
  latencyHist[bucket] = (latencyHist[bucket] as number) + 1
}
let sent = 0
let sendErrors = 0
for (const p of peers) {
  p.onEvent = (e) => {
    if (e.ev === 'sent') {
      sent++
      sentAt.set(e.id as string, e.t0 as number)
      if ((e.t0 as number) - (churnedAt.get(p.index) ?? -Infinity) < CHURNED_MS) fromChurned.add(e.id as string)
      for (const at of early.get(e.id as string) ?? []) record(e.id as string, at, e.t0 as number)
      early.delete(e.id as string)
    } else if (e.ev === 'msg') {
      const at = e.at as number
      if (at - (churnedAt.get(p.index) ?? -Infinity) < CHURNED_MS) return
      for (const id of e.ids as string[]) {
        const t0 = sentAt.get(id)
        if (t0 != null) record(id, at, t0)
        else if (early.size < 100_000) early.set(id, [...(early.get(id) ?? []), at])
      }
    } else if (e.ev === 'error' && e.op === 'send') sendErrors++
  }
}
await Promise.all(peers.map(async p => { await p.start() }))
let room = await (peers[0] as SoakPeer).request({ op: 'create', name: 'soak-0' }, 'room') as Ev & { id: string, invite: string }
for (const p of peers.slice(1)) await p.request({ op: 'join', invite: room.invite }, 'room')
// Setup is not the soak: the ten joins' syncs (~90 sessions at the relay) settle before the clock starts.
await sleep(SETTLE_S * 1000)

const busy = new Set<number>()
let paused = false
// CPU the soak's own processes use while measuring (is it CPU-bound, and how much of the machine did it get?): the
// last reading of every peer process (restarted ones included) and of the relay, against the whole machine's.
const cpuSeen = new Map<number, { first: number, last: number, relay: boolean }>()
const readCpu = async (): Promise<void> => {
  const pids: Array<[number, boolean]> = [[relayPid, true], ...peers.flatMap(p => p.proc?.pid != null ? [[p.proc.pid, false] as [number, boolean]] : [])]
  for (const [pid, isRelay] of pids) {
    const c = await cpuSeconds(pid)
    if (c === 0) continue
    const e = cpuSeen.get(pid)
    if (e == null) cpuSeen.set(pid, { first: c, last: c, relay: isRelay })
    else e.last = c
  }
}
await readCpu()
const machine0 = await machineTicks()
const self0 = process.cpuUsage()
const cpuTimer = setInterval(() => { void readCpu() }, 500)
const start = Date.now()
const endAt = start + SECONDS * 1000

// Sender: RATE messages per second from random peers, timed from the moment the command is written.
const sender = (async () => {
  const interval = 1000 / RATE
  let next = Date.now()
  let n = 0
  // SOAK_RATE=0: no traffic at all (what 11 idle processes cost).
  while (RATE > 0 && Date.now() < endAt) {
    next += interval
    const wait = next - Date.now()
    if (wait > 0) await sleep(wait)
    if (paused) continue
    const i = Math.floor(Math.random() * PEERS)
    if (busy.has(i)) continue
    ;(peers[i] as SoakPeer).write({ op: 'send', room: room.id, text: `soak ${n++}`, t0: Date.now() })
  }
})()

// Churn: restart one peer, cut another's path for 2 s, move everyone to a fresh room.
let churns = 0
/** When each churn began (deliveries in the CHURN_WINDOW_MS after one are also reported on their own). */
const churnStarts: number[] = []
const churner = (async () => {
  while (Date.now() + CHURN_S * 1000 < endAt) {
    await sleep(CHURN_S * 1000)
    churns++
    churnStarts.push(Date.now())
    const r = Math.floor(Math.random() * PEERS)
    const peer = peers[r] as SoakPeer
    if (CHURN.has('restart')) {
      busy.add(r)
      churnedAt.set(r, Date.now())
      await peer.stop()
      await peer.start()
      busy.delete(r)
    }
    if (CHURN.has('cut')) {
      const c = peers[(r + 1 + Math.floor(Math.random() * (PEERS - 1))) % PEERS] as SoakPeer
      churnedAt.set(c.index, Date.now())
      c.proxy.cut()
      setTimeout(() => { c.proxy.heal() }, 2_000)
    }
    if (!CHURN.has('move')) continue
    paused = true
    const old = room
    const fresh = await (peers[0] as SoakPeer).request({ op: 'create', name: `soak-${churns}` }, 'room') as Ev & { id: string, invite: string }
    for (const p of peers.slice(1)) await p.request({ op: 'join', invite: fresh.invite }, 'room')
    room = fresh
    paused = false
    for (const p of peers) await p.request({ op: 'leave', room: old.id }, 'left').catch(() => {})
  }
})()

// Sampler: peers' heap (after GC), RSS and descriptors summed over the 10 processes; the relay's RSS and descriptors.
const samples: Array<{ t: number, heap: number, rss: number, fds: number, relayRss: number, relayFds: number, gc: boolean }> = []
const GC_EVERY = 3
/** Deliveries already summarized by an earlier sample line. */
let reported = 0
let sampleNo = 1
while (Date.now() < endAt) {
  await sleep(SAMPLE_MS)
  // A sample counts only with all 10 peers in it (a peer being restarted would make the sums jump).
  // A forced GC stalls a peer ~50-100 ms (heap ~35 MB, busy machine): every third sample only, and only those
  // samples give the heap slope; RSS and descriptors come from every sample.
  const withGc = sampleNo++ % GC_EVERY === 0
  let heap = 0; let rssSum = 0; let fdSum = 0; let complete = true
  const detail: string[] = []
  for (const p of peers) {
    const s = busy.has(p.index) ? undefined : await p.request({ op: 'stats', gc: withGc }, 'stats').catch(() => undefined)
    if (s == null) { complete = false; break }
    heap += s.heap as number; rssSum += s.rss as number; fdSum += s.fds as number
    const drops = Object.entries(s.dropped as Record<string, number>).map(([k, v]) => `${k}:${v}`).join(',')
    detail.push(`p${p.index} cpu=${(s.cpu as number).toFixed(1)}s (sys ${(s.sys as number).toFixed(1)}) loop99=${(s.loopP99 as number).toFixed(0)}ms max=${(s.loopMax as number).toFixed(0)}ms gc=${(s.gcMs as number).toFixed(0)}ms conns=${s.conns as number} syncs=${s.syncs as number}${drops !== '' ? ` drops=${drops}` : ''}`)
  }
  if (VERBOSE) {
    const m = await relay.metrics().catch(() => ({} as Record<string, number>))
    process.stderr.write(`  ${detail.join('\n  ')}\n  relay: keep requests ${m.chatsphere_relay_keep_requests_total}, sync sessions ${m.chatsphere_relay_sync_sessions_total}, frames relayed ${m.chatsphere_relay_frames_relayed_total}, ephemeral ${m.chatsphere_relay_ephemeral_relayed_total}\n`)
  }
  if (!complete) continue
  samples.push({ t: (Date.now() - start) / 1000, heap, rss: rssSum, fds: fdSum, relayRss: await rss(relayPid), relayFds: await fds(relayPid), gc: withGc })
  const s = samples[samples.length - 1] as (typeof samples)[number]
  process.stderr.write(`soak t=${s.t.toFixed(0)}s sent=${sent} heap${s.gc ? ' after GC' : ''}=${(s.heap / 1e6).toFixed(1)}MB rss=${(s.rss / 1e6).toFixed(1)}MB fds=${s.fds} relayRss=${(s.relayRss / 1e6).toFixed(1)}MB relayFds=${s.relayFds} p99=${histQuantile(0.99)}ms (since the last sample: ${latencies.length - reported} deliveries, p50 ${quantile(latencies.slice(reported), 0.5)} ms, p99 ${quantile(latencies.slice(reported), 0.99)} ms)\n`)
  reported = latencies.length
}
await sender
await churner
clearInterval(cpuTimer)
// Extra work the network did besides gossip: sync sessions (catch-ups, joins, the relay's pushes) and keep requests.
const relayMetrics = await relay.metrics().catch(() => ({} as Record<string, number>))
const relayWork = { syncSessions: relayMetrics.chatsphere_relay_sync_sessions_total ?? NaN, keepRequests: relayMetrics.chatsphere_relay_keep_requests_total ?? NaN, framesRelayed: relayMetrics.chatsphere_relay_frames_relayed_total ?? NaN }
await readCpu()
const machine1 = await machineTicks()
const cpuWall = (Date.now() - start) / 1000
await sleep(1_000)
for (const p of peers) { await p.stop(); await p.proxy.close() }
await relay.proc.stop()
await cleanupDirs()

const warm = Math.max(20, SECONDS / 4)
const used = samples.filter(s => s.t >= warm)
const window = used.length > 1 ? ((used[used.length - 1] as (typeof used)[number]).t - (used[0] as (typeof used)[number]).t) : 0
const metrics: Array<{ name: string, key: 'heap' | 'rss' | 'fds' | 'relayRss' | 'relayFds', unit: number, allowance: number }> = [
  { name: 'peers heap, sum of 10 (MB)', key: 'heap', unit: 1e6, allowance: 24e6 },
  { name: 'peers RSS, sum of 10 (MB)', key: 'rss', unit: 1e6, allowance: 64e6 },
  { name: 'peers fds, sum of 10', key: 'fds', unit: 1, allowance: 10 },
  { name: 'relay RSS (MB)', key: 'relayRss', unit: 1e6, allowance: 48e6 },
  { name: 'relay fds', key: 'relayFds', unit: 1, allowance: 8 }
]
let flat = true
const slopes: Record<string, { perMinute: number, growth: number, mean: number, flat: boolean }> = {}
console.log(`\n| metric | mean | slope per minute | growth over ${window.toFixed(0)} s | flat |\n|---|---|---|---|---|`)
for (const m of metrics) {
  const pts = m.key === 'heap' ? used.filter(s => s.gc) : used
  const xs = pts.map(s => s.t)
  const ys = pts.map(s => s[m.key])
  const perSecond = pts.length > 1 ? slope(xs, ys) : 0
  const mean = ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length)
  const growth = perSecond * window
  const ok = growth <= Math.max(0.1 * mean, m.allowance)
  if (!ok) flat = false
  slopes[m.key] = { perMinute: perSecond * 60 / m.unit, growth: growth / m.unit, mean: mean / m.unit, flat: ok }
  console.log(`| ${m.name} | ${(mean / m.unit).toFixed(1)} | ${(perSecond * 60 / m.unit).toFixed(2)} | ${(growth / m.unit).toFixed(1)} | ${ok ? 'yes' : 'NO'} |`)
}
const p50 = quantile(latencies, 0.5)
const p99 = quantile(latencies, 0.99)
const warmLatencies = latencies.filter((_, i) => (latencyAt[i] ?? 0) >= start + warm * 1000)
const CHURN_WINDOW_MS = 15_000
const nearChurn = (at: number): boolean => churnStarts.some(c => at >= c && at < c + CHURN_WINDOW_MS)
const churnLatencies = latencies.filter((_, i) => nearChurn(latencyAt[i] ?? 0))
const calmLatencies = latencies.filter((_, i) => !nearChurn(latencyAt[i] ?? 0))
const rate = sent / SECONDS
console.log(`\n${PEERS} peers, ${sent} messages in ${SECONDS} s (${rate.toFixed(1)}/s), ${churns} churns, ${sendErrors} send errors, ${latencies.length} deliveries: p50 ${p50} ms, p99 ${p99} ms (limit ${P99_LIMIT_MS}); after the warm-up (${warm.toFixed(0)} s, for information: the limit holds for the whole run) p50 ${quantile(warmLatencies, 0.5)} ms, p99 ${quantile(warmLatencies, 0.99)} ms`)
console.log(`not counted above: ${churnedSenderLatencies.length} deliveries of ${fromChurned.size} messages sent by a peer restarted or cut less than ${CHURNED_MS / 1000} s before (held by the cut until it healed and the peer reconnected): p50 ${quantile(churnedSenderLatencies, 0.5)} ms, p99 ${quantile(churnedSenderLatencies, 0.99)} ms`)
console.log(`deliveries in the ${CHURN_WINDOW_MS / 1000} s after a churn began: ${churnLatencies.length}, p50 ${quantile(churnLatencies, 0.5)} ms, p99 ${quantile(churnLatencies, 0.99)} ms; the others: ${calmLatencies.length}, p50 ${quantile(calmLatencies, 0.5)} ms, p99 ${quantile(calmLatencies, 0.99)} ms`)
let peerCpu = 0; let relayCpu = 0
for (const e of cpuSeen.values()) { if (e.relay) relayCpu += e.last - e.first; else peerCpu += e.last - e.first }
const cores = availableParallelism()
const machineBusy = (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)
const cpu = { peersCores: peerCpu / cpuWall, relayCores: relayCpu / cpuWall, machineBusy, cores, msPerDelivery: latencies.length > 0 ? 1000 * (peerCpu + relayCpu) / latencies.length : NaN }
const self1 = process.cpuUsage(self0)
console.log(`CPU while sending (${cpuWall.toFixed(0)} s): bench driver ${((self1.user + self1.system) / 1e6 / cpuWall).toFixed(2)} cores, peers ${cpu.peersCores.toFixed(2)} cores, relay ${cpu.relayCores.toFixed(2)} cores (${cpu.msPerDelivery.toFixed(2)} ms of CPU per delivery); the whole machine was busy ${(machineBusy * 100).toFixed(0)}% of ${cores} cores, so other jobs used ${Math.max(0, machineBusy * cores - cpu.peersCores - cpu.relayCores - (self1.user + self1.system) / 1e6 / cpuWall).toFixed(2)} cores`)
console.log(`relay: ${relayWork.framesRelayed} frames relayed by gossip, ${relayWork.syncSessions} sync sessions, ${relayWork.keepRequests} keep requests`)
const ok = flat && p99 < P99_LIMIT_MS && latencies.length > 0
const summary = { test: 'soak', seconds: SECONDS, churnSeconds: CHURN_S, peers: PEERS, sent, rate, churns, sendErrors, deliveries: latencies.length, p50, p99, afterWarmUp: { p50: quantile(warmLatencies, 0.5), p99: quantile(warmLatencies, 0.99) }, afterChurn: { deliveries: churnLatencies.length, p50: quantile(churnLatencies, 0.5), p99: quantile(churnLatencies, 0.99) }, calm: { p50: quantile(calmLatencies, 0.5), p99: quantile(calmLatencies, 0.99) }, fromChurnedSenders: { messages: fromChurned.size, deliveries: churnedSenderLatencies.length, p50: quantile(churnedSenderLatencies, 0.5), p99: quantile(churnedSenderLatencies, 0.99) }, slopes, cpu, relay: relayWork, ok }
console.log(JSON.stringify(summary))
await mkdir(join(import.meta.dirname, 'results'), { recursive: true })
await writeFile(join(import.meta.dirname, 'results', 'soak.json'), JSON.stringify(summary, null, 2) + '\n')
process.exit(ok ? 0 : 1)
