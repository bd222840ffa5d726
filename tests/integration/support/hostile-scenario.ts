/**
 * The issue 8 hostile-peer scenario, shared by the test (tests/integration/hostile-flood.test.ts: correctness) and
 * the benchmark (bench/hostile-latency.ts: honest latency under attack). A real relay process, two honest chat
 * peers (Ana, Ben; in this process, real libp2p over TCP, data on disk), and the attacker process
 * (support/hostile-flood.ts) publishing 12 classes of bad frames to the relay and directly to Ana. Meanwhile Ana
 * keeps sending probe messages to Ben, whose delivery latency is measured before, during and after the attack.
 *
 * Probes are sent on a fixed schedule (one every `probeEveryMs`, whether or not the previous one has arrived), and
 * each is timed from when it was due, not from when the sender got around to it: a stall of the honest process
 * delays every probe due meanwhile, and all of them count (a probe-after-the-previous-one loop would record one
 * slow sample per stall and hide the rest).
 */
import { spawn, spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createChat } from '../../../src/chat/index.ts'
import { GOSSIP_GRAYLIST_THRESHOLD } from '../../../src/constants.ts'
import { toHex } from '../../../src/crypto/encoding.ts'
import { freePort, ROOT, startRelayProc, tempDir } from './processes.ts'
import { PhaseMonitor, SegmentMeter } from './hostile-monitor.ts'
import type { PhaseStats, SegmentTotals } from './hostile-monitor.ts'
import type { Chat, MessageView } from '../../../src/chat/index.ts'
import type { RelayProc } from './processes.ts'

export interface ClassResult {
  class: string
  /** Which repetition of the 12 classes (0 unless the scenario runs several rounds). */
  round: number
  peerId: string
  sent: number
  /** Ana's gossipsub score of this class's identity, read as soon as the class was sent. */
  scoreAtPeer: number | undefined
  /** Peers the relay had disconnected for failing frames (src/net/reject-strikes.ts) once this class was judged. */
  relayStruck: number | undefined
  setupMs?: number
  sendMs?: number
}

export interface HostileReport {
  framesSent: number
  classes: ClassResult[]
  /** Room updates the relay accepted (stored, forwarded) during the attack beyond the honest probes. */
  relayAcceptedFromAttack: number
  relayDropped: Record<string, number>
  relayGraylisted: number
  /** Subscription guard at the relay (src/net/subscription-guard.ts): topics refused and peers cut, by rule. */
  relaySubscriptions: { refusedTopics: Record<string, number>, peersCut: Record<string, number> }
  relayMinScore: number
  peerDropped: Record<string, number>
  /** Messages shown by each honest peer that are not honest sends (must be empty). */
  foreignShown: MessageView[]
  honestSent: number
  shownAna: number
  shownBen: number
  /** After a restart from disk: messages each honest peer shows, and anything foreign among them. */
  reopenedAna: number
  reopenedBen: number
  foreignAfterRestart: MessageView[]
  /** Attacker markers (nonces, garbage prefixes) found in any file of Ana's, Ben's or the relay's data dir. */
  markersSearched: number
  markersFoundOnDisk: number
  baselineMs: number[]
  attackMs: number[]
  /** Probes after the attack ended (same pacing). */
  afterMs: number[]
  attackSeconds: number
  graylistThreshold: number
  /** Every probe due during the attack: when (ms after the attacker was armed), how long Ana's send took, the total. */
  attackProbes: ProbeSample[]
  /** When each class finished sending (ms after the attacker was armed). */
  classDoneAt: Array<{ class: string, at: number }>
  /** When each class's identity started (dial, subscribe) and when its frames were all sent (ms after armed). */
  classSpans: Array<{ class: string, round: number, from: number, to: number }>
  /** Quiet stretches between rounds (`pauseMs`), ms after armed. */
  pauseSpans: Array<{ from: number, to: number }>
  /** Per class (and "between classes"): wall time, CPU of the honest process, relay and attacker, loop delay. */
  segments: Record<string, SegmentTotals>
  /** How long the attacker took to build its frames before the flood, ms. */
  genMs: number
  /** Event-loop delay and fsync latency of the honest process in each phase (baseline, attack, after). */
  phases: Record<string, PhaseStats>
  /** Cores (taskset lists) the honest processes and the attacker were pinned to, when `pinAttacker` was set and worked. */
  pinned?: { honest: string, attacker: string }
}

/** Pins process `pid` (all its threads) to the cores in `list` (taskset syntax); false when that failed. */
function pin (pid: number | undefined, list: string): boolean {
  if (pid === undefined) return false
  const r = spawnSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' })
  return r.status === 0
}

export interface ProbeSample {
  /** When the probe was due (ms after the attacker was armed, for attack probes). */
  at: number
  /** How long Ana's send() took (it resolves once the message is durable on Ana's disk). */
  sendMs: number
  /** How late the probe was started after it was due (the honest process was busy). */
  lateMs: number
  /** Due → Ben's `message` event. */
  ms: number
}

export interface HostileOptions {
  /** Frames per class per round. */
  perClass: number
  /** Probes before the attack (and after it, unless `afterProbes`). */
  baselineProbes: number
  afterProbes?: number
  /** Repetitions of the 12 classes, each from fresh identities with fresh frames (default 1). */
  rounds?: number
  /** A quiet stretch of this many ms between rounds (default 0). */
  pauseMs?: number
  /** The subscription flood names arbitrary strings instead of well-formed topics of no room (default false). */
  malformedTopics?: boolean
  /** One probe is due every this many ms (default PROBE_INTERVAL_MS). */
  probeEveryMs?: number
  /**
   * Pin the attacker process to the last core and this process (and the relay it starts) to the others, with
   * taskset (Linux): the attacker's own CPU work then does not compete with the honest processes, as if it ran on
   * its own machine, while everything it sends still reaches them. Default false (all processes share every core).
   */
  pinAttacker?: boolean
  log?: (s: string) => void
}

const NON_SCORED = new Set(['subscription flood'])
/** One honest probe message is due this often: 20 a second, a busy chat. */
const PROBE_INTERVAL_MS = 50
/** How long after a class was sent its sender's score is watched. */
const SCORE_WAIT_MS = 30_000

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...await filesUnder(p))
    else if (e.isFile()) out.push(p)
  }
  return out
}

/** How many of the 24-byte markers occur anywhere in the files (indexed by their first 4 bytes, one pass per file). */
async function countMarkers (markers: Buffer, dirs: string[]): Promise<number> {
  const index = new Map<number, Buffer[]>()
  for (let o = 0; o + 24 <= markers.length; o += 24) {
    const m = markers.subarray(o, o + 24)
    const k = m.readUInt32BE(0)
    const list = index.get(k) ?? []
    list.push(m)
    index.set(k, list)
  }
  const found = new Set<string>()
  for (const dir of dirs) {
    for (const file of await filesUnder(dir)) {
      if ((await stat(file)).size > 512 * 1024 * 1024) continue
      const data = await readFile(file)
      for (let i = 0; i + 24 <= data.length; i++) {
        const list = index.get(data.readUInt32BE(i))
        if (list === undefined) continue
        for (const m of list) if (data.compare(m, 0, 24, i, i + 24) === 0) found.add(m.toString('hex'))
      }
    }
  }
  return found.size
}

/**
 * The lowest score Ana gives a peer within SCORE_WAIT_MS of its last frame being sent (validation is asynchronous:
 * frames still queued when the attacker reports are judged a moment later). Stops early once below the threshold.
 */
async function lowestScore (chat: Chat, peerId: string, scored: boolean): Promise<number | undefined> {
  // A class that costs no score is read once (waiting for a fall that cannot come only made the run longer).
  if (!scored) return chat.gossipScore(peerId)
  let lowest: number | undefined
  const end = Date.now() + SCORE_WAIT_MS
  while (Date.now() < end) {
    const s = chat.gossipScore(peerId)
    if (s !== undefined && (lowest === undefined || s < lowest)) lowest = s
    if (lowest !== undefined && lowest < GOSSIP_GRAYLIST_THRESHOLD) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return lowest
}

/**
 * Peers the relay struck since `base`: `wait(want)` resolves once the count reaches `want` or SCORE_WAIT_MS passes.
 * One poll of the relay's metrics for all waiters (one per class, many classes in a long run), every 250 ms.
 */
function relayStruckWatch (relay: RelayProc, base: number): (want: number) => Promise<number> {
  const waits: Array<{ want: number, end: number, resolve: (n: number) => void }> = []
  let n = 0
  let polling = false
  const poll = async (): Promise<void> => {
    polling = true
    try {
      while (waits.length > 0) {
        try { n = ((await relay.metrics()).chatsphere_relay_peers_struck_total ?? 0) - base } catch { for (const w of waits.splice(0)) w.resolve(n); return }
        const now = Date.now()
        for (const w of [...waits]) {
          if (n >= w.want || now >= w.end) { waits.splice(waits.indexOf(w), 1); w.resolve(n) }
        }
        if (waits.length > 0) await new Promise(resolve => setTimeout(resolve, 250))
      }
    } finally {
      polling = false
    }
  }
  return async (want) => await new Promise<number>((resolve) => {
    waits.push({ want, end: Date.now() + SCORE_WAIT_MS, resolve })
    if (!polling) void poll()
  })
}

function sumDrops (m: Record<string, number>, metric = 'chatsphere_relay_frames_dropped_total'): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(m)) {
    if (!k.startsWith(metric + '{')) continue
    const r = /\{reason="([^"]+)"\}$/.exec(k)
    if (r?.[1] != null) out[r[1]] = v
  }
  return out
}

export async function runHostileScenario (opts: HostileOptions): Promise<HostileReport> {
  const log = opts.log ?? (() => {})
  const probeEveryMs = opts.probeEveryMs ?? PROBE_INTERVAL_MS
  let relay: RelayProc | undefined
  const chats: Chat[] = []
  let attackerProc: ReturnType<typeof spawn> | undefined
  const monitor = new PhaseMonitor()
  let segments: SegmentMeter | undefined
  const cores = availableParallelism()
  let pinned: HostileReport['pinned']
  if (opts.pinAttacker === true && cores >= 2) {
    const honest = cores === 2 ? '0' : `0-${cores - 2}`
    // Before the relay starts: it inherits this process' cores.
    if (pin(process.pid, honest)) pinned = { honest, attacker: String(cores - 1) }
  }
  try {
    relay = await startRelayProc()
    const relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    const anaPort = await freePort()
    const [anaDir, benDir] = [await tempDir('cs-ana-'), await tempDir('cs-ben-')]
    const common = { relays: [relayAddr], mdns: false, webrtc: false }
    const ana = await createChat({ ...common, dataDir: anaDir, listen: [`/ip4/127.0.0.1/tcp/${anaPort}`], displayName: 'Ana' })
    chats.push(ana)
    const ben = await createChat({ ...common, dataDir: benDir, listen: ['/ip4/127.0.0.1/tcp/0'], displayName: 'Ben' })
    chats.push(ben)
    const room = await ana.createRoom('guarded')
    await ben.joinRoom(room.invite)
    await Promise.all([ana.waitForRelaySync(room.id, 30_000), ben.waitForRelaySync(room.id, 30_000)])

    const honestTexts = new Set<string>()
    const arrivals = new Map<string, (t: number) => void>()
    ben.addEventListener('message', (e) => {
      const now = performance.now()
      for (const m of e.detail.messages) arrivals.get(m.text)?.(now)
    })
    let probeNo = 0
    /** One probe message, due at `due` (performance.now() time): sent now, timed from `due` to Ben's event. */
    const probe = async (due: number): Promise<ProbeSample> => {
      const text = `probe ${++probeNo}`
      honestTexts.add(text)
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          const struck = relay?.proc.lines.filter(l => l.includes('disconnecting')).join('\n') ?? ''
          reject(new Error(`${text} did not reach Ben in 30 s (relay exit ${String(relay?.proc.child.exitCode)}, stderr ${relay?.proc.errLines.slice(-5).join(' | ') ?? ''}; Ana ${ana.peerId ?? ''}, Ben ${ben.peerId ?? ''}; relay struck:\n${struck}; Ana dropped ${JSON.stringify(ana.dropped())}; Ben connections ${JSON.stringify(ben.connections().map(c => c.peerId))})`))
        }, 30_000)
        arrivals.set(text, (t) => { clearTimeout(timer); arrivals.delete(text); resolve(t) })
      })
      arrived.catch(() => {})
      const t0 = performance.now()
      await ana.send(room.id, text)
      const sendMs = performance.now() - t0
      return { at: due, sendMs, lateMs: t0 - due, ms: (await arrived) - due }
    }
    /**
     * Probes due every probeEveryMs from now while `more(n)` (n: probes started so far) says so; resolves with every
     * sample once all have arrived. A probe whose time passed while this process was busy is sent at once.
     */
    const probeLoop = async (more: (n: number) => boolean): Promise<ProbeSample[]> => {
      const pending: Array<Promise<ProbeSample>> = []
      const start = performance.now()
      for (let n = 0; more(n); n++) {
        const due = start + n * probeEveryMs
        const wait = due - performance.now()
        if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
        if (!more(n)) break
        pending.push(probe(due))
      }
      return await Promise.all(pending)
    }
    // Warm-up (first message opens streams), then the baseline.
    for (let i = 0; i < 5; i++) await probe(performance.now())
    await monitor.start('baseline', anaDir, { relay: relay.proc.child.pid })
    const baselineMs = (await probeLoop(n => n < opts.baselineProbes)).map(p => p.ms)
    log(`baseline: ${baselineMs.length} probes`)
    monitor.stop()

    const before = await relay.metrics()
    const struckBefore = before.chatsphere_relay_peers_struck_total ?? 0
    const relayStruck = relayStruckWatch(relay, struckBefore)
    const sentBefore = probeNo
    const markersFile = join(await tempDir('cs-markers-'), 'markers.bin')
    const args = {
      relay: relayAddr,
      peer: `/ip4/127.0.0.1/tcp/${anaPort}/p2p/${ana.peerId ?? ''}`,
      topic: room.topic,
      ephemeralTopic: '',
      victimUserKey: toHex(ana.user.publicKey),
      perClass: opts.perClass,
      rounds: opts.rounds ?? 1,
      pauseMs: opts.pauseMs ?? 0,
      malformedTopics: opts.malformedTopics ?? false,
      markersFile
    }
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'tests/integration/support/hostile-flood.ts'), JSON.stringify(args)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    attackerProc = child
    if (pinned !== undefined && !pin(child.pid, pinned.attacker)) pinned = undefined
    const classes: ClassResult[] = []
    const classDoneAt: Array<{ class: string, at: number }> = []
    const classSpans: Array<{ class: string, round: number, from: number, to: number }> = []
    const pauseSpans: Array<{ from: number, to: number }> = []
    const relayReads: Array<Promise<void> | undefined> = []
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString() })
    let armedAt = Number.POSITIVE_INFINITY
    let doneAt = Number.POSITIVE_INFINITY
    let genMs = 0
    let open: { class: string, round: number, from: number } | undefined
    segments = new SegmentMeter({ relay: relay.proc.child.pid, attacker: child.pid })
    const meter = segments
    const done = new Promise<void>((resolve, reject) => {
      let buf = ''
      child.stdout?.on('data', (c: Buffer) => {
        buf += c.toString()
        let i: number
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i)
          buf = buf.slice(i + 1)
          let m: { phase?: string, pause?: string, start?: string, round?: number, class?: string, peerId?: string, sent?: number, genMs?: number, setupMs?: number, sendMs?: number }
          try { m = JSON.parse(line) } catch { continue }
          const now = performance.now()
          if (m.pause === 'start') { pauseSpans.push({ from: now - armedAt, to: Number.POSITIVE_INFINITY }); meter.mark('pause between rounds') }
          if (m.pause === 'end') { const p = pauseSpans[pauseSpans.length - 1]; if (p != null) p.to = now - armedAt; meter.mark('between classes') }
          if (m.start != null) {
            open = { class: m.start, round: m.round ?? 0, from: now - armedAt }
            meter.mark(m.start)
          }
          if (m.class != null) {
            // Read at once: P4 decays every second, so a score read minutes later says little about the attack.
            const c: ClassResult = { class: m.class, round: m.round ?? 0, peerId: m.peerId ?? '', sent: m.sent ?? 0, scoreAtPeer: undefined, relayStruck: undefined, setupMs: m.setupMs, sendMs: m.sendMs }
            classes.push(c)
            classDoneAt.push({ class: m.class, at: now - armedAt })
            if (open != null) classSpans.push({ ...open, to: now - armedAt })
            open = undefined
            meter.mark('between classes')
            relayReads.push(lowestScore(ana, c.peerId, isScoredClass(c.class)).then((s) => { c.scoreAtPeer = s }))
            const want = classes.filter(x => isScoredClass(x.class)).length
            relayReads.push(relayStruck(want).then((n) => { c.relayStruck = n }))
            log(`attack class done: ${m.class} (${JSON.stringify(c)})`)
          }
          if (m.phase === 'armed') {
            armedAt = now
            genMs = m.genMs ?? 0
            void monitor.start('attack', anaDir, { relay: relay?.proc.child.pid, attacker: child.pid })
            log(`attacker armed: ${line}`)
          }
          if (m.phase === 'done') { doneAt = now; meter.mark(undefined); resolve() }
        }
      })
      child.on('exit', (code) => { reject(new Error(`attacker exited (${code}) before it was done: ${stderr.slice(-2000)}`)) })
    })
    let attacking = true
    void done.finally(() => { attacking = false }).catch(() => {})
    const probing = probeLoop(() => attacking)
    await done
    monitor.stop()
    const attackSeconds = (doneAt - armedAt) / 1000
    // Only probes due between armed and done are attack samples (not those due while the attacker built its frames).
    const attackProbes = (await probing).filter(p => p.at >= armedAt && p.at < doneAt).map(p => ({ ...p, at: p.at - armedAt }))
    const attackMs = attackProbes.map(p => p.ms)

    await Promise.all(relayReads)
    // Let the relay finish storing what it accepted, then read its counters.
    await new Promise(resolve => setTimeout(resolve, 1000))
    const after = await relay.metrics()
    const relayAccepted = (after.chatsphere_relay_frames_relayed_total ?? 0) - (before.chatsphere_relay_frames_relayed_total ?? 0)
    const dropsBefore = sumDrops(before)
    const relayDropped = Object.fromEntries(Object.entries(sumDrops(after)).map(([k, v]) => [k, v - (dropsBefore[k] ?? 0)]))
    const relayGraylisted = after.chatsphere_relay_gossip_peers_graylisted ?? 0
    const delta = (metric: string): Record<string, number> => {
      const b = sumDrops(before, metric)
      return Object.fromEntries(Object.entries(sumDrops(after, metric)).map(([k, v]) => [k, v - (b[k] ?? 0)]))
    }
    const relaySubscriptions = { refusedTopics: delta('chatsphere_relay_subscriptions_refused_total'), peersCut: delta('chatsphere_relay_peers_cut_total') }
    const sentDuring = probeNo - sentBefore
    // The same probes once the attack is over: tells machine noise (other load) from the attack's own cost.
    await monitor.start('after', anaDir, { relay: relay.proc.child.pid })
    const afterMs = (await probeLoop(n => n < (opts.afterProbes ?? opts.baselineProbes))).map(p => p.ms)
    await monitor.close()
    const relayMinScore = after.chatsphere_relay_gossip_score_min ?? 0
    child.stdin?.end()

    const members = new Set([ana.user.userId, ben.user.userId])
    const foreign = (list: MessageView[]): MessageView[] => list.filter(m => !members.has(m.authorId) || (!honestTexts.has(m.text)))
    const shownAna = ana.messages(room.id)
    const shownBen = ben.messages(room.id)
    const peerDropped = ana.dropped()
    await ana.close()
    await ben.close()
    chats.length = 0
    await relay.proc.stop()

    // Restart both honest peers from disk (offline): the persisted history shows the same honest messages only.
    const reAna = await createChat({ dataDir: anaDir, offline: true })
    const reBen = await createChat({ dataDir: benDir, offline: true })
    const reopenedAna = reAna.messages(room.id)
    const reopenedBen = reBen.messages(room.id)
    await reAna.close()
    await reBen.close()
    const markers = await readFile(markersFile)
    const markersFoundOnDisk = await countMarkers(markers, [anaDir, benDir, relay.dataDir])

    return {
      framesSent: classes.reduce((n, c) => n + c.sent, 0),
      classes,
      relayAcceptedFromAttack: relayAccepted - sentDuring,
      relayDropped,
      relayGraylisted,
      relaySubscriptions,
      relayMinScore,
      peerDropped,
      foreignShown: [...foreign(shownAna), ...foreign(shownBen)],
      honestSent: probeNo,
      shownAna: shownAna.length,
      shownBen: shownBen.length,
      reopenedAna: reopenedAna.length,
      reopenedBen: reopenedBen.length,
      foreignAfterRestart: [...foreign(reopenedAna), ...foreign(reopenedBen)],
      markersSearched: markers.length / 24,
      markersFoundOnDisk,
      baselineMs,
      attackMs,
      afterMs,
      attackSeconds,
      graylistThreshold: GOSSIP_GRAYLIST_THRESHOLD,
      attackProbes,
      classDoneAt,
      classSpans,
      pauseSpans,
      segments: Object.fromEntries(meter.totals),
      genMs,
      phases: monitor.stats,
      ...(pinned !== undefined ? { pinned } : {})
    }
  } finally {
    await monitor.close()
    segments?.mark(undefined)
    attackerProc?.kill('SIGKILL')
    for (const c of chats) await c.close().catch(() => {})
    await relay?.proc.stop()
  }
}

/** Whether a class is expected to cost score (gossipsub has no penalty for subscriptions within the budget). */
export function isScoredClass (name: string): boolean { return !NON_SCORED.has(name) }

export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))] ?? NaN
}
