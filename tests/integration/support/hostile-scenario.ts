/**
 * The issue 8 hostile-peer scenario, shared by the test (tests/integration/hostile-flood.test.ts: correctness) and
 * the benchmark (bench/hostile-latency.ts: honest latency under attack). A real relay process, two honest chat
 * peers (Ana, Ben; in this process, real libp2p over TCP, data on disk), and the attacker process
 * (support/hostile-flood.ts) publishing 12 classes of bad frames to the relay and directly to Ana. Meanwhile Ana
 * keeps sending probe messages to Ben, whose delivery latency is measured before and during the attack.
 */
import { spawn } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createChat } from '../../../src/chat/index.ts'
import { GOSSIP_GRAYLIST_THRESHOLD } from '../../../src/constants.ts'
import { toHex } from '../../../src/crypto/encoding.ts'
import { freePort, ROOT, startRelayProc, tempDir } from './processes.ts'
import { PhaseMonitor } from './hostile-monitor.ts'
import type { PhaseStats } from './hostile-monitor.ts'
import type { Chat, MessageView } from '../../../src/chat/index.ts'
import type { RelayProc } from './processes.ts'

export interface ClassResult {
  class: string
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
  /** Every probe sent during the attack: when (ms after the attacker was armed), how long Ana's send took, the total. */
  attackProbes: Array<{ at: number, sendMs: number, ms: number }>
  /** When each class finished sending (ms after the attacker was armed). */
  classDoneAt: Array<{ class: string, at: number }>
  /** Event-loop delay and fsync latency of the honest process in each phase (baseline, attack, after). */
  phases: Record<string, PhaseStats>
}

const NON_SCORED = new Set(['subscription flood'])
/** Pause between honest probe messages (a busy chat, not a benchmark of the sender's disk). */
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
async function lowestScore (chat: Chat, peerId: string): Promise<number | undefined> {
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

/** Peers the relay struck since `base`, polled until it reaches `want` or SCORE_WAIT_MS passes. */
async function relayStruck (relay: RelayProc, base: number, want: number): Promise<number> {
  const end = Date.now() + SCORE_WAIT_MS
  let n = 0
  while (Date.now() < end) {
    try { n = ((await relay.metrics()).chatsphere_relay_peers_struck_total ?? 0) - base } catch { return n }
    if (n >= want) break
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return n
}

function sumDrops (m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(m)) {
    const r = /^chatsphere_relay_frames_dropped_total\{reason="([^"]+)"\}$/.exec(k)
    if (r?.[1] != null) out[r[1]] = v
  }
  return out
}

export async function runHostileScenario (opts: { perClass: number, baselineProbes: number, log?: (s: string) => void }): Promise<HostileReport> {
  const log = opts.log ?? (() => {})
  let relay: RelayProc | undefined
  const chats: Chat[] = []
  let attackerProc: ReturnType<typeof spawn> | undefined
  const monitor = new PhaseMonitor()
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
    const probe = async (): Promise<number> => {
      const text = `probe ${++probeNo}`
      honestTexts.add(text)
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          const struck = relay?.proc.lines.filter(l => l.includes('disconnecting')).join('\n') ?? ''
          reject(new Error(`${text} did not reach Ben in 30 s (relay exit ${String(relay?.proc.child.exitCode)}, stderr ${relay?.proc.errLines.slice(-5).join(' | ') ?? ''}; Ana ${ana.peerId ?? ''}, Ben ${ben.peerId ?? ''}; relay struck:\n${struck}; Ana dropped ${JSON.stringify(ana.dropped())}; Ben connections ${JSON.stringify(ben.connections().map(c => c.peerId))})`))
        }, 30_000)
        arrivals.set(text, (t) => { clearTimeout(timer); arrivals.delete(text); resolve(t) })
      })
      const t0 = performance.now()
      await ana.send(room.id, text)
      lastSendMs = performance.now() - t0
      return (await arrived) - t0
    }
    let lastSendMs = 0
    // Warm-up (first message opens streams), then the baseline.
    for (let i = 0; i < 5; i++) await probe()
    await monitor.start('baseline', anaDir, { relay: relay.proc.child.pid })
    const baselineMs: number[] = []
    for (let i = 0; i < opts.baselineProbes; i++) {
      baselineMs.push(await probe())
      await new Promise(resolve => setTimeout(resolve, PROBE_INTERVAL_MS))
    }
    log(`baseline: ${baselineMs.length} probes`)
    monitor.stop()

    const before = await relay.metrics()
    const struckBefore = before.chatsphere_relay_peers_struck_total ?? 0
    const sentBefore = probeNo
    const markersFile = join(await tempDir('cs-markers-'), 'markers.bin')
    const args = {
      relay: relayAddr,
      peer: `/ip4/127.0.0.1/tcp/${anaPort}/p2p/${ana.peerId ?? ''}`,
      topic: room.topic,
      ephemeralTopic: '',
      victimUserKey: toHex(ana.user.publicKey),
      perClass: opts.perClass,
      markersFile
    }
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'tests/integration/support/hostile-flood.ts'), JSON.stringify(args)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    attackerProc = child
    const classes: ClassResult[] = []
    const classDoneAt: Array<{ class: string, at: number }> = []
    const attackMs: number[] = []
    const attackProbes: Array<{ at: number, sendMs: number, ms: number }> = []
    const relayReads: Array<Promise<void> | undefined> = []
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString() })
    let armedAt = performance.now()
    let attackFrom = 0
    const done = new Promise<void>((resolve, reject) => {
      let buf = ''
      child.stdout?.on('data', (c: Buffer) => {
        buf += c.toString()
        let i: number
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i)
          buf = buf.slice(i + 1)
          let m: { phase?: string, class?: string, peerId?: string, sent?: number, genMs?: number, setupMs?: number, sendMs?: number }
          try { m = JSON.parse(line) } catch { continue }
          if (m.class != null) {
            // Read at once: P4 decays every second, so a score read minutes later says little about the attack.
            const c: ClassResult = { class: m.class, peerId: m.peerId ?? '', sent: m.sent ?? 0, scoreAtPeer: undefined, relayStruck: undefined, setupMs: m.setupMs, sendMs: m.sendMs }
            classes.push(c)
            classDoneAt.push({ class: m.class, at: performance.now() - armedAt })
            relayReads.push(lowestScore(ana, c.peerId).then((s) => { c.scoreAtPeer = s }))
            const want = classes.filter(x => isScoredClass(x.class)).length
            if (relay != null) relayReads.push(relayStruck(relay, struckBefore, want).then((n) => { c.relayStruck = n }))
            log(`attack class done: ${m.class} (${JSON.stringify(c)})`)
          }
          if (m.phase === 'armed') { armedAt = performance.now(); attackFrom = attackMs.length; void monitor.start('attack', anaDir, { relay: relay?.proc.child.pid, attacker: child.pid }); log(`attacker armed: ${line}`) }
          if (m.phase === 'done') resolve()
        }
      })
      child.on('exit', (code) => { reject(new Error(`attacker exited (${code}) before it was done: ${stderr.slice(-2000)}`)) })
    })
    let attacking = true
    void done.finally(() => { attacking = false }).catch(() => {})
    const probing = (async () => {
      while (attacking) {
        const at = performance.now() - armedAt
        const ms = await probe()
        attackMs.push(ms)
        attackProbes.push({ at, sendMs: lastSendMs, ms })
        await new Promise(resolve => setTimeout(resolve, PROBE_INTERVAL_MS))
      }
    })()
    await done
    monitor.stop()
    const attackSeconds = (performance.now() - armedAt) / 1000
    await probing
    // Probes sent while the attacker was still building its frames are not attack samples.
    attackMs.splice(0, attackFrom)
    attackProbes.splice(0, attackFrom)

    await Promise.all(relayReads)
    // Let the relay finish storing what it accepted, then read its counters.
    await new Promise(resolve => setTimeout(resolve, 1000))
    const after = await relay.metrics()
    const relayAccepted = (after.chatsphere_relay_frames_relayed_total ?? 0) - (before.chatsphere_relay_frames_relayed_total ?? 0)
    const dropsBefore = sumDrops(before)
    const relayDropped = Object.fromEntries(Object.entries(sumDrops(after)).map(([k, v]) => [k, v - (dropsBefore[k] ?? 0)]))
    const relayGraylisted = after.chatsphere_relay_gossip_peers_graylisted ?? 0
    const sentDuring = probeNo - sentBefore
    // The same probes once the attack is over: tells machine noise (other load) from the attack's own cost.
    const afterMs: number[] = []
    await monitor.start('after', anaDir, { relay: relay.proc.child.pid })
    for (let i = 0; i < opts.baselineProbes; i++) {
      afterMs.push(await probe())
      await new Promise(resolve => setTimeout(resolve, PROBE_INTERVAL_MS))
    }
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
      phases: monitor.stats
    }
  } finally {
    await monitor.close()
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
