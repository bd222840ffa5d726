/**
 * What the honest process (Ana and Ben, in the benchmark's own process) waits on in each phase of the hostile-peer
 * benchmark: its event-loop delay (how long ready work waited for the thread: CPU spent on attack frames shows up
 * here), and the latency of a small write + fdatasync on the same disk as the peers' data (a message is reported
 * sent only after its fsync, so a busy disk shows up in every probe whatever the attack does).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import type { IntervalHistogram } from 'node:perf_hooks'
import type { FileHandle } from 'node:fs/promises'

export interface PhaseStats {
  /** Event-loop delay, ms (10 ms resolution: values below ~10 ms mean "not blocked"). */
  loopP99: number
  loopMax: number
  /** Write + fdatasync latency of 64 bytes, ms, sampled every FSYNC_EVERY_MS. */
  fsyncP50: number
  fsyncP99: number
  fsyncMax: number
  fsyncSamples: number
  /** CPU time this process used (user + system) per wall-clock time of the phase: 1 = one core busy throughout. */
  cpuShare: number
  /** The same for other processes (relay, attacker), from /proc (Linux only; empty elsewhere). */
  others: Record<string, number>
}

/** CPU time (user + system) of a process so far, ms, from /proc/<pid>/stat; undefined when unreadable. */
function procCpuMs (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 10
  } catch {
    return undefined
  }
}

const FSYNC_EVERY_MS = 50

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))] ?? NaN
}

export class PhaseMonitor {
  readonly stats: Record<string, PhaseStats> = {}
  #hist: IntervalHistogram | undefined
  #fsync: number[] = []
  #phase: string | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #file: FileHandle | undefined
  #busy = false
  #cpu0: NodeJS.CpuUsage | undefined
  #wall0 = 0
  #pids: Record<string, number> = {}
  #others0: Record<string, number | undefined> = {}

  /** Starts measuring `phase` (ending the current one). `dir` is where the fsync probe file goes. */
  async start (phase: string, dir: string, pids: Record<string, number | undefined> = {}): Promise<void> {
    this.stop()
    this.#file ??= await open(join(dir, 'fsync-probe.bin'), 'w')
    this.#phase = phase
    this.#hist = monitorEventLoopDelay({ resolution: 10 })
    this.#hist.enable()
    this.#fsync = []
    this.#cpu0 = process.cpuUsage()
    this.#pids = Object.fromEntries(Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined))
    this.#others0 = Object.fromEntries(Object.entries(this.#pids).map(([k, pid]) => [k, procCpuMs(pid)]))
    this.#wall0 = performance.now()
    const buf = Buffer.alloc(64, 1)
    this.#timer = setInterval(() => {
      if (this.#busy || this.#file == null) return
      this.#busy = true
      const t0 = performance.now()
      const f = this.#file
      void f.write(buf, 0, buf.length, 0).then(async () => { await f.datasync() }).then(() => {
        this.#fsync.push(performance.now() - t0)
      }, () => {}).finally(() => { this.#busy = false })
    }, FSYNC_EVERY_MS)
  }

  /** Ends the current phase and records its numbers. */
  stop (): void {
    if (this.#phase == null || this.#hist == null) return
    this.#hist.disable()
    clearInterval(this.#timer)
    const cpu = process.cpuUsage(this.#cpu0)
    const wallUs = (performance.now() - this.#wall0) * 1000
    this.stats[this.#phase] = {
      loopP99: this.#hist.percentile(99) / 1e6,
      loopMax: this.#hist.max / 1e6,
      fsyncP50: pct(this.#fsync, 50),
      fsyncP99: pct(this.#fsync, 99),
      fsyncMax: Math.max(...this.#fsync),
      fsyncSamples: this.#fsync.length,
      cpuShare: (cpu.user + cpu.system) / wallUs,
      others: Object.fromEntries(Object.entries(this.#pids).flatMap(([k, pid]) => {
        const a = this.#others0[k]
        const b = procCpuMs(pid)
        return a === undefined || b === undefined ? [] : [[k, (b - a) / (wallUs / 1000)]]
      }))
    }
    this.#phase = undefined
    this.#hist = undefined
  }

  async close (): Promise<void> {
    this.stop()
    await this.#file?.close()
    this.#file = undefined
  }
}

/** What one labelled stretch of time cost, summed over every stretch with that label. */
export interface SegmentTotals {
  wallMs: number
  /** CPU time, ms, of this process ("honest") and of each watched process. */
  cpuMs: Record<string, number>
  /** Longest event-loop delay of this process in any of the stretches, ms. */
  loopMaxMs: number
  stretches: number
}

/**
 * Splits a phase into labelled stretches (the attack class being sent, the gap between classes) and adds up, per
 * label, wall time, the CPU time of this process and of the watched processes, and the worst event-loop delay: which
 * class costs whom how much.
 */
export class SegmentMeter {
  readonly totals = new Map<string, SegmentTotals>()
  readonly #pids: Record<string, number>
  readonly #hist: IntervalHistogram
  #label: string | undefined
  #t0 = 0
  #cpu0: Record<string, number | undefined> = {}

  constructor (pids: Record<string, number | undefined>) {
    this.#pids = Object.fromEntries(Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined))
    this.#hist = monitorEventLoopDelay({ resolution: 10 })
  }

  #cpuNow (): Record<string, number | undefined> {
    const self = process.cpuUsage()
    return { honest: (self.user + self.system) / 1000, ...Object.fromEntries(Object.entries(this.#pids).map(([k, pid]) => [k, procCpuMs(pid)])) }
  }

  /** Ends the current stretch (if any) and starts one labelled `label` (none: stop measuring). */
  mark (label: string | undefined): void {
    const now = performance.now()
    const cpu = this.#cpuNow()
    if (this.#label !== undefined) {
      const t = this.totals.get(this.#label) ?? { wallMs: 0, cpuMs: {}, loopMaxMs: 0, stretches: 0 }
      t.wallMs += now - this.#t0
      for (const [k, v] of Object.entries(cpu)) {
        const a = this.#cpu0[k]
        if (v !== undefined && a !== undefined) t.cpuMs[k] = (t.cpuMs[k] ?? 0) + v - a
      }
      t.loopMaxMs = Math.max(t.loopMaxMs, this.#hist.max / 1e6)
      t.stretches++
      this.totals.set(this.#label, t)
    }
    this.#hist.reset()
    if (label === undefined) this.#hist.disable()
    else this.#hist.enable()
    this.#label = label
    this.#t0 = now
    this.#cpu0 = cpu
  }
}
