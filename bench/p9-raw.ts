// P9 floor: how fast a plain RTCDataChannel moves 10 MiB between two headless Chromium instances on this machine
// (the same flags and pages as bench P9), by message size, buffered-amount high/low water marks, ordered vs
// unordered, and 1 vs several channels in parallel; with the CPU time each process used, to tell whether SCTP
// settings or the CPU set the ceiling. No libp2p, no crypto, no storage: the best any protocol can do here.
// Run: node scripts/node22.mjs bench/p9-raw.ts   (BENCH_P9_RAW_RUNS=n, default 2)
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
  { name: 'libp2p water marks (2 MiB / 0)', msg: 16 * KiB, high: 2 * MiB, low: 0, ordered: true, channels: 1 },
  { name: 'small buffer (256 KiB / 64 KiB)', msg: 64 * KiB, high: 256 * KiB, low: 64 * KiB, ordered: true, channels: 1 },
  { name: 'big buffer (16 MiB / 8 MiB)', msg: 64 * KiB, high: 16 * MiB, low: 8 * MiB, ordered: true, channels: 1 },
  { name: 'unordered', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: false, channels: 1 },
  { name: '4 channels in parallel', msg: 64 * KiB, high: 4 * MiB, low: 1 * MiB, ordered: true, channels: 4 }
]

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
  window.__mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
  window.__pc?.close()
  const pc = new RTCPeerConnection({ iceServers: [] })
  window.__pc = pc
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
  const pc = window.__pc
  const gathered = () => pc.iceGatheringState === 'complete' ? Promise.resolve() : new Promise((r) => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r() }))
  await pc.setRemoteDescription(JSON.parse(offer))
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered()
  return JSON.stringify(pc.localDescription)
}`

const ACCEPT = `async function accept (answer) {
  await window.__pc.setRemoteDescription(JSON.parse(answer))
  await Promise.all(window.__chs.map((ch) => ch.readyState === 'open' ? null : new Promise((r) => ch.addEventListener('open', r, { once: true }))))
  const sctp = window.__pc.sctp
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
export interface RawResult { phase: string, ms: number, mbps: number, cpuMsPerMB: number, waits: number, sendCallMs: number, recvHandlerMs: number, cpuPercent: Record<string, number>, machineBusyPercent: number }

/**
 * A fresh RTCPeerConnection between the two pages (signalled through Node), then `size` bytes on it twice: `cold`
 * (new SCTP association: its congestion window starts small) and `warm` (the same association again, as a libp2p
 * connection that already carried traffic).
 */
export async function measureRaw (alice: Page, bob: Page, v: Variant, size: number): Promise<{ results: RawResult[], maxMessageSize: number }> {
  const offer = await pageRun(alice, SETUP, 'send', v, size) as string
  await pageRun(bob, SETUP, 'recv', v, size)
  const ans = await pageRun(bob, ANSWER, offer) as string
  const maxMessageSize = (await pageRun(alice, ACCEPT, ans) as { maxMessageSize: number }).maxMessageSize
  const results: RawResult[] = []
  for (const phase of ['cold', 'warm']) {
    const cpu0 = cpuByKind()
    const busy0 = machineBusy()
    const w0 = Date.now()
    const target = phase === 'cold' ? size : 2 * size
    const [sent, got] = await Promise.all([
      pageRun(alice, SEND, v, size) as Promise<{ startedAt: number, queuedAt: number, waits: number, sendMs: number }>,
      bob.evaluate(async (n) => await (window as unknown as { __recv: (n: number) => Promise<unknown> }).__recv(n), target) as Promise<{ bytes: number, msgs: number, lastAt: number, handlerMs: number }>
    ])
    const wallS = (Date.now() - w0) / 1000
    const cpu1 = cpuByKind()
    const busy = machineBusy() - busy0
    const ms = got.lastAt - sent.startedAt
    const cpu: Record<string, number> = {}
    for (const [k, s] of cpu1) cpu[k] = Math.round((s - (cpu0.get(k) ?? 0)) / wallS * 100)
    // Chromium CPU time per MB moved (all its processes, both ends): what the transfer costs, whatever the load.
    let chromeCpuS = 0
    for (const [k, s] of cpu1) if (k !== 'other' && k !== 'relay') chromeCpuS += s - (cpu0.get(k) ?? 0)
    results.push({
      phase, ms: Math.round(ms), mbps: Math.round(size / 1e6 / (ms / 1000) * 10) / 10, cpuMsPerMB: Math.round(chromeCpuS * 1000 / (size / 1e6)),
      waits: sent.waits, sendCallMs: Math.round(sent.sendMs), recvHandlerMs: Math.round(got.handlerMs), cpuPercent: cpu, machineBusyPercent: Math.round(busy / wallS / 2 * 100)
    })
  }
  await Promise.all([alice.evaluate(() => { (window as unknown as { __pc?: RTCPeerConnection }).__pc?.close() }), bob.evaluate(() => { (window as unknown as { __pc?: RTCPeerConnection }).__pc?.close() })])
  return { results, maxMessageSize }
}

export async function run (): Promise<Record<string, unknown>> {
  const [alice, bob] = await Promise.all([openUser(), openUser()])
  const results: Array<Record<string, unknown>> = []
  const rows: Row[] = []
  try {
    await Promise.all([openHarness(alice.page), openHarness(bob.page)])
    let maxMessageSize = 0
    for (let r = -1; r < RUNS; r++) {
      for (const v of VARIANTS) {
        const m = await measureRaw(alice.page, bob.page, v, SIZE)
        maxMessageSize = m.maxMessageSize
        if (r < 0) continue
        for (const x of m.results) {
          results.push({ run: r + 1, ...v, ...x })
          rows.push({ run: r + 1, variant: v.name, conn: x.phase, ms: x.ms, 'MB/s': x.mbps, 'chrome cpu ms/MB': x.cpuMsPerMB, 'cpu% chrome (1 core=100)': Object.entries(x.cpuPercent).filter(([, p]) => p > 2).map(([k, p]) => `${k}:${p}`).join(' '), 'machine busy %': x.machineBusyPercent })
        }
      }
    }
    printTable(`P9 floor: raw RTCDataChannel, ${SIZE / MiB} MiB between two headless Chromium (load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; shared machine)`, rows)
    const summary = { sizeBytes: SIZE, runs: RUNS, sctpMaxMessageSize: maxMessageSize, results }
    console.log(`SCTP maxMessageSize ${maxMessageSize}; results: ${writeResults('p9-raw', summary)}`)
    return summary
  } finally {
    await alice.dispose()
    await bob.dispose()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
