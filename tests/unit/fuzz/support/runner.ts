/**
 * Runs the fuzz targets in a worker thread with a bounded heap and a watchdog: a case that does not finish (even a
 * synchronous infinite loop, which no in-thread timeout can stop) is reported as a hang with its input and the
 * worker is terminated; running out of the heap limit is reported as an allocation finding.
 */
import { Worker } from 'node:worker_threads'

export interface FuzzOptions {
  /** Cases per target (slow targets run a fraction, see FuzzTarget.scale). */
  runs: number
  /** fast-check seed (printed with every finding, so a failure replays). */
  seed?: number
  /** Per-case timeout inside the worker (async hangs). */
  caseTimeoutMs?: number
  /** Watchdog: no case reported for this long means a synchronous hang. */
  watchdogMs?: number
  /** Heap limit of the worker, MiB. */
  heapMb?: number
  /** Run only targets whose name contains one of these. */
  only?: string[]
}

export interface TargetReport {
  target: string
  cases: number
  /** Cases refused with a typed error (the rest decoded). */
  typed: number
  ms: number
  findings: string[]
  /** Largest output/input size ratio seen (outputs over 64 units). */
  maxRatio: number
  heapMb: number
  /** The most frequent typed refusals (error name and message), with counts. */
  refusals: Array<[string, number]>
}

export interface FuzzReport { seed: number, targets: TargetReport[], findings: string[] }

export async function runFuzz (opts: FuzzOptions): Promise<FuzzReport> {
  const seed = opts.seed ?? (Date.now() % 2_147_483_647)
  const worker = new Worker(new URL('./worker.ts', import.meta.url), {
    workerData: { runs: opts.runs, seed, caseTimeoutMs: opts.caseTimeoutMs ?? 3_000, only: opts.only },
    execArgv: ['--disable-warning=ExperimentalWarning'],
    resourceLimits: { maxOldGenerationSizeMb: opts.heapMb ?? 384, maxYoungGenerationSizeMb: 64 }
  })
  const report: FuzzReport = { seed, targets: [], findings: [] }
  let last = { target: '(startup)', input: '' }
  let lastAt = Date.now()
  const watchdogMs = opts.watchdogMs ?? 15_000
  await new Promise<void>((resolve) => {
    const dog = setInterval(() => {
      if (Date.now() - lastAt > watchdogMs) {
        report.findings.push(`HANG (synchronous, watchdog ${watchdogMs} ms) in ${last.target}; input: ${last.input}; seed ${seed}`)
        void worker.terminate()
      }
    }, 250)
    worker.on('message', (m: { type: string, target: string, input?: string } & TargetReport) => {
      lastAt = Date.now()
      if (m.type === 'case') last = { target: m.target, input: m.input ?? '' }
      else if (m.type === 'done') {
        report.targets.push({ target: m.target, cases: m.cases, typed: m.typed, ms: m.ms, findings: m.findings, maxRatio: m.maxRatio, heapMb: m.heapMb, refusals: m.refusals })
        for (const f of m.findings) report.findings.push(`${m.target}: ${f}`)
      }
    })
    worker.on('error', (err: Error & { code?: string }) => {
      const kind = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ALLOCATION (worker heap limit reached)' : `CRASH (worker error ${err.name}: ${err.message})`
      report.findings.push(`${kind} in ${last.target}; input: ${last.input}; seed ${seed}`)
    })
    worker.on('exit', () => { clearInterval(dog); resolve() })
  })
  return report
}
