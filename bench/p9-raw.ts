// P9 floor: how fast a plain RTCDataChannel moves 10 MiB between two headless Chromium pages on this machine (the
// same flags and pages as bench P9), by message size, buffered-amount high/low water marks, ordered vs unordered,
// 1 vs several channels in parallel, and where the two ends run (two Chromium instances as in P9, two tabs of one
// instance, or one page); with the CPU time each process (and, for two instances, each side) used, to tell whether
// SCTP settings or the CPU set the ceiling. No libp2p, no crypto, no storage: the best any protocol can do here.
// Run: node scripts/node22.mjs bench/p9-raw.ts   (BENCH_P9_RAW_RUNS=n, default 2; BENCH_P9_RAW_TOPOLOGY='two browsers' for one topology)
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { openUser } from '../tests/browser/support/browser.ts'
import { openHarness } from '../tests/browser/support/harness.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Row } from './lib/report.ts'
import type { Page } from 'playwright-core'

const SIZE = 10 * 1024 * 1024
const RUNS = Number(process.env.BENCH_P9_RAW_RUNS ?? 2)
const KiB = 1024
const MiB = 1024 * 1024

export interface Variant { name: string, msg: number, high: number, low: number, ordered: boolean, channels: number }

export const VARIANTS: Variant[] = [
  { name: 'P9 raw baseline', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 1 },
  { name: '16 KiB messages', msg: 16 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 1 },
  { name: '256 KiB messages', msg: 256 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 1 },
  { name: '256 KiB, water marks 8 MiB / 2 MiB', msg: 256 * KiB, high: 8 * MiB, low: 2 * MiB, ordered: true, channels: 1 },
  { name: '256 KiB, water marks 1 MiB / 512 KiB', msg: 256 * KiB, high: 1 * MiB, low: 512 * KiB, ordered: true, channels: 1 },
  { name: 'libp2p water marks (2 MiB / 0)', msg: 16 * KiB, high: 2 * MiB, low: 0, ordered: true, channels: 1 },
  { name: 'small buffer (256 KiB / 64 KiB)', msg: 64 * KiB, high: 256 * KiB, low: 64 * KiB, ordered: true, channels: 1 },
  { name: 'big buffer (16 MiB / 8 MiB)', msg: 64 * KiB, high: 16 * MiB, low: 8 * MiB, ordered: true, channels: 1 },
  { name: 'unordered', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: false, channels: 1 },
  { name: '256 KiB unordered', msg: 256 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: false, channels: 1 },
  { name: '2 channels in parallel', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 2 },
  { name: '2 channels, 256 KiB', msg: 256 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 2 },
  { name: '4 channels in parallel', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 4 }
]

/**
 * Where the two ends run: two Chromium instances (as the P9 pages: two network services, two renderers), two tabs of
 * one instance (one network service), or both peer connections in one page (one renderer too).
 */
export type Topology = 'two browsers' | 'one browser, two tabs' | 'one page'
export const TOPOLOGIES: Topology[] = ['two browsers', 'one browser, two tabs', 'one page']

/** CPU seconds (user + system) of this process's descendants by command kind, from /proc. */
export function cpuByKind (): Map<string, number> {
  const tick = 100
  const parent = new Map<number, number>()
  const info = new Map<number, { cpu: number, kind: string }>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8')
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1]
      const util = /--utility-sub-type=([a-z.]+)/.exec(cmd)?.[1]
      const kind = type === undefined ? (cmd.includes('chrom') ? 'browser' : cmd.includes(' relay ') || cmd.includes('\0relay\0') ? 'relay' : 'other') : util !== undefined ? util : type
      parent.set(Number(d), Number(rest[1]))
      info.set(Number(d), { cpu: (Number(rest[11]) + Number(rest[12])) / tick, kind })
    } catch { /* gone */ }
  }
  const out = new Map<string, number>()
  for (const [pid, { cpu, kind }] of info) {
    let p = parent.get(pid)
    let mine = false
    for (let i = 0; i < 20 && p !== undefined && p > 1; i++) { if (p === process.pid) { mine = true; break } p = parent.get(p) }
    if (mine) out.set(kind, (out.get(kind) ?? 0) + cpu)
  }
  return out
}

/**
 * CPU seconds (user + system) of each Chromium instance we launched, all its processes, keyed by its profile
 * directory (`--user-data-dir` of its browser process): what the sending and the receiving side each cost.
 */
export function cpuByProfile (): Map<string, number> {
  const tick = 100
  const parent = new Map<number, number>()
  const cpu = new Map<number, number>()
  const profile = new Map<number, string>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(d), Number(rest[1]))
      cpu.set(Number(d), (Number(rest[11]) + Number(rest[12])) / tick)
      const dir = /--user-data-dir=([^\0 ]+)/.exec(readFileSync(`/proc/${d}/cmdline`, 'utf8'))?.[1]
      if (dir !== undefined) profile.set(Number(d), dir)
    } catch { /* gone */ }
  }
  const out = new Map<string, number>()
  for (const [pid, s] of cpu) {
    let p: number | undefined = pid
    for (let i = 0; i < 20 && p !== undefined && p > 1; i++) {
      const dir = profile.get(p)
      if (dir !== undefined) { out.set(dir, (out.get(dir) ?? 0) + s); break }
      p = parent.get(p)
    }
  }
  return out
}

/** Total busy CPU seconds of the machine (all processes, both cores). */
export function machineBusy (): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  return (f.reduce((a, b) => a + b, 0) - idle) / 100
}

async function pageRun (page: Page, fn: string, ...args: unknown[]): Promise<unknown> {
  return await page.evaluate(async ([src, a]) => await (new Function(`return (${src})`)() as (...x: unknown[]) => Promise<unknown>)(...a), [fn, args] as const)
}

// In-page code (plain JS strings: no build step, nothing from the app).
const SETUP = `async function setup (role, variant, total) {
  // A granted capture lets Chromium expose host candidates (no mDNS names) on loopback.
  window.__mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
  // Per-role globals: both ends may live in one page (topology 'one page').
  window.__pcs ??= {}
  window.__pcs[role]?.close()
  const pc = new RTCPeerConnection({ iceServers: [] })
  window.__pcs[role] = pc
  const gathered = () => pc.iceGatheringState === 'complete' ? Promise.resolve() : new Promise((r) => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r() }))
  if (role === 'send') {
    window.__chs = []
    for (let i = 0; i < variant.channels; i++) {
      const ch = pc.createDataChannel('raw' + i, { ordered: variant.ordered })
      ch.binaryType = 'arraybuffer'
      window.__chs.push(ch)
    }
    await pc.setLocalDescription(await pc.createOffer())
    await gathered()
    return JSON.stringify(pc.localDescription)
  }
  const now = () => performance.timeOrigin + performance.now()
  // Counts bytes over all channels; __recv(n) resolves once n bytes arrived in all (cumulative: a warm second transfer).
  let bytes = 0; let msgs = 0; let handlerMs = 0
  const waiting = []
  window.__recv = (n) => new Promise((resolve) => { waiting.push({ n, resolve }) })
  pc.addEventListener('datachannel', (e) => {
    const ch = e.channel
    ch.binaryType = 'arraybuffer'
    ch.addEventListener('message', (m) => {
      const t = performance.now()
      bytes += m.data.byteLength; msgs++
      handlerMs += performance.now() - t
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (bytes >= waiting[i].n) { waiting[i].resolve({ bytes, msgs, lastAt: now(), handlerMs }); waiting.splice(i, 1) }
      }
    })
  })
  return null
}`

const ANSWER = `async function answer (offer) {
  const pc = window.__pcs.recv
  const gathered = () => pc.iceGatheringState === 'complete' ? Promise.resolve() : new Promise((r) => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r() }))
  await pc.setRemoteDescription(JSON.parse(offer))
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered()
  return JSON.stringify(pc.localDescription)
}`

const ACCEPT = `async function accept (answer) {
  await window.__pcs.send.setRemoteDescription(JSON.parse(answer))
  await Promise.all(window.__chs.map((ch) => ch.readyState === 'open' ? null : new Promise((r) => ch.addEventListener('open', r, { once: true }))))
  const sctp = window.__pcs.send.sctp
  return { maxMessageSize: sctp?.maxMessageSize ?? 0 }
}`

const SEND = `async function send (variant, total) {
  const now = () => performance.timeOrigin + performance.now()
  const data = new Uint8Array(variant.msg)
  crypto.getRandomValues(data.subarray(0, 65536))
  const chs = window.__chs
  for (const ch of chs) ch.bufferedAmountLowThreshold = variant.low
  const per = Math.ceil(total / chs.length)
  const startedAt = now()
  let waits = 0; let sendMs = 0
  await Promise.all(chs.map(async (ch, k) => {
    const end = Math.min(total, (k + 1) * per)
    for (let sent = k * per; sent < end; sent += variant.msg) {
      if (ch.bufferedAmount > variant.high) { waits++; await new Promise((r) => ch.addEventListener('bufferedamountlow', r, { once: true })) }
      const t = performance.now()
      ch.send(data.subarray(0, Math.min(variant.msg, end - sent)))
      sendMs += performance.now() - t
    }
  }))
  return { startedAt, queuedAt: now(), waits, sendMs }
}`

/** One transfer of one variant: CPU, machine load and timing. */
export interface RawResult { phase: string, ms: number, mbps: number, cpuMsPerMB: number, sendCpuMsPerMB?: number, recvCpuMsPerMB?: number, waits: number, sendCallMs: number, recvHandlerMs: number, cpuPercent: Record<string, number>, machineBusyPercent: number }

/**
 * A fresh RTCPeerConnection between the two pages (signalled through Node), then `size` bytes on it twice: `cold`
 * (new SCTP association: its congestion window starts small) and `warm` (the same association again, as a libp2p
 * connection that already carried traffic).
 */
export async function measureRaw (alice: Page, bob: Page, v: Variant, size: number, dirs?: { send: string, recv: string }): Promise<{ results: RawResult[], maxMessageSize: number }> {
  const offer = await pageRun(alice, SETUP, 'send', v, size) as string
  await pageRun(bob, SETUP, 'recv', v, size)
  const ans = await pageRun(bob, ANSWER, offer) as string
  const maxMessageSize = (await pageRun(alice, ACCEPT, ans) as { maxMessageSize: number }).maxMessageSize
  const results: RawResult[] = []
  for (const phase of ['cold', 'warm']) {
    const cpu0 = cpuByKind()
    const side0 = cpuByProfile()
    const busy0 = machineBusy()
    const w0 = Date.now()
    const target = phase === 'cold' ? size : 2 * size
    const [sent, got] = await Promise.all([
      pageRun(alice, SEND, v, size) as Promise<{ startedAt: number, queuedAt: number, waits: number, sendMs: number }>,
      bob.evaluate(async (n) => await (window as unknown as { __recv: (n: number) => Promise<unknown> }).__recv(n), target) as Promise<{ bytes: number, msgs: number, lastAt: number, handlerMs: number }>
    ])
    const wallS = (Date.now() - w0) / 1000
    const cpu1 = cpuByKind()
    const side1 = cpuByProfile()
    const busy = machineBusy() - busy0
    const sideMsPerMB = (dir: string): number => Math.round(((side1.get(dir) ?? 0) - (side0.get(dir) ?? 0)) * 1000 / (size / 1e6))
    const ms = got.lastAt - sent.startedAt
    const cpu: Record<string, number> = {}
    for (const [k, s] of cpu1) cpu[k] = Math.round((s - (cpu0.get(k) ?? 0)) / wallS * 100)
    // Chromium CPU time per MB moved (all its processes, both ends): what the transfer costs, whatever the load.
    let chromeCpuS = 0
    for (const [k, s] of cpu1) if (k !== 'other' && k !== 'relay') chromeCpuS += s - (cpu0.get(k) ?? 0)
    results.push({
      phase, ms: Math.round(ms), mbps: Math.round(size / 1e6 / (ms / 1000) * 10) / 10, cpuMsPerMB: Math.round(chromeCpuS * 1000 / (size / 1e6)),
      ...(dirs !== undefined && dirs.send !== dirs.recv ? { sendCpuMsPerMB: sideMsPerMB(dirs.send), recvCpuMsPerMB: sideMsPerMB(dirs.recv) } : {}),
      waits: sent.waits, sendCallMs: Math.round(sent.sendMs), recvHandlerMs: Math.round(got.handlerMs), cpuPercent: cpu, machineBusyPercent: Math.round(busy / wallS / 2 * 100)
    })
  }
  const close = (): void => { for (const pc of Object.values((window as unknown as { __pcs?: Record<string, RTCPeerConnection> }).__pcs ?? {})) pc.close() }
  await Promise.all([alice.evaluate(close), bob === alice ? undefined : bob.evaluate(close)])
  return { results, maxMessageSize }
}

/** Median (the mean of the middle two for an even count). */
export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** The setting with the highest median rate over its runs. */
export function bestOf (settings: Array<{ name: string, runs: Array<{ mbps: number, cpu: number }> }>): { name: string, medianMBps: number, maxMBps: number, cpuMsPerMB: number } {
  const scored = settings.filter((s) => s.runs.length > 0).map((s) => ({
    name: s.name,
    medianMBps: Math.round(median(s.runs.map((r) => r.mbps)) * 10) / 10,
    maxMBps: Math.max(...s.runs.map((r) => r.mbps)),
    cpuMsPerMB: Math.round(median(s.runs.map((r) => r.cpu)))
  }))
  return scored.reduce((a, b) => b.medianMBps > a.medianMBps ? b : a)
}

/** Both ends' pages for a topology (`second` is a tab of the first browser, opened by the caller). */
function ends (t: Topology, a: Page, b: Page, second: Page): [Page, Page] {
  return t === 'two browsers' ? [a, b] : t === 'one browser, two tabs' ? [a, second] : [a, a]
}

export async function run (): Promise<Record<string, unknown>> {
  const only = process.env.BENCH_P9_RAW_TOPOLOGY
  const topologies = TOPOLOGIES.filter((t) => only === undefined || t === only)
  const [alice, bob] = await Promise.all([openUser(), openUser()])
  const results: Array<Record<string, unknown>> = []
  const rows: Row[] = []
  try {
    const tab = await alice.context.newPage()
    await Promise.all([openHarness(alice.page), openHarness(bob.page), openHarness(tab)])
    let maxMessageSize = 0
    for (const t of topologies) {
      const [a, b] = ends(t, alice.page, bob.page, tab)
      // One unmeasured transfer per topology first (code paths, the capture, the first association).
      await measureRaw(a, b, VARIANTS[0] as Variant, SIZE)
      for (let r = 0; r < RUNS; r++) {
        for (const v of VARIANTS) {
          const m = await measureRaw(a, b, v, SIZE, t === 'two browsers' ? { send: alice.profileDir, recv: bob.profileDir } : undefined)
          maxMessageSize = m.maxMessageSize
          for (const x of m.results) {
            results.push({ run: r + 1, topology: t, ...v, ...x })
            rows.push({ run: r + 1, topology: t, variant: v.name, conn: x.phase, ms: x.ms, 'MB/s': x.mbps, 'chrome cpu ms/MB': x.cpuMsPerMB, 'send/recv side ms/MB': x.sendCpuMsPerMB === undefined ? '' : `${x.sendCpuMsPerMB}/${x.recvCpuMsPerMB ?? ''}`, 'cpu% chrome (1 core=100)': Object.entries(x.cpuPercent).filter(([, p]) => p > 2).map(([k, p]) => `${k}:${p}`).join(' '), 'machine busy %': x.machineBusyPercent })
          }
        }
      }
    }
    printTable(`P9 floor: raw RTCDataChannel, ${SIZE / MiB} MiB between two headless Chromium pages (load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; shared machine)`, rows)
    // Best setting: the highest median over the runs (warm and cold separately), per topology.
    const best = topologies.flatMap((t) => ['cold', 'warm'].map((phase) => {
      const b = bestOf(VARIANTS.map((v) => ({ name: v.name, runs: results.filter((x) => x.topology === t && x.name === v.name && x.phase === phase).map((x) => ({ mbps: x.mbps as number, cpu: x.cpuMsPerMB as number })) })))
      console.log(`best ${phase} (${t}): ${b.name}, median ${b.medianMBps} MB/s (max ${b.maxMBps}), chrome cpu median ${b.cpuMsPerMB} ms/MB`)
      return { topology: t, phase, ...b }
    }))
    const summary = { sizeBytes: SIZE, runs: RUNS, sctpMaxMessageSize: maxMessageSize, best, results }
    console.log(`SCTP maxMessageSize ${maxMessageSize}; results: ${writeResults('p9-raw', summary)}`)
    return summary
  } finally {
    await alice.dispose()
    await bob.dispose()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
