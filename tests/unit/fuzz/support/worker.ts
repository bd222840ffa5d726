/**
 * Fuzz worker: runs targets in a worker thread with bounded heap (resourceLimits set by the runner), so a decoder
 * that allocates without bound dies here instead of in the test process, and a synchronous hang is caught by the
 * runner's watchdog (this thread reports every case before running it).
 */
import { parentPort, workerData } from 'node:worker_threads'
import fc from 'fast-check'
import { buildTargets, isTypedError, outputSize } from './targets.ts'

interface Job { runs: number, seed: number, caseTimeoutMs: number, only?: string[] }
const job = workerData as Job
const port = parentPort
if (port == null) throw new Error('fuzz worker must run in a worker thread')

function describeInput (input: unknown): string {
  const text = input instanceof Uint8Array
    ? Buffer.from(input.subarray(0, 512)).toString('hex') + (input.length > 512 ? `… (${input.length} bytes)` : '')
    : JSON.stringify(input, (_k, v: unknown) => v instanceof Uint8Array ? Buffer.from(v.subarray(0, 128)).toString('hex') : v)?.slice(0, 1200)
  return text ?? String(input)
}

const targets = await buildTargets()
for (const t of targets) {
  if (job.only != null && !job.only.some(o => t.name.includes(o))) continue
  const runs = Math.max(5, Math.round(job.runs * (t.scale ?? 1)))
  const started = performance.now()
  let cases = 0
  let typed = 0
  let maxRatio = 0
  const refusals = new Map<string, number>()
  const findings: string[] = []
  const result = await fc.check(fc.asyncProperty(t.arbitrary, async (input) => {
    cases++
    port.postMessage({ type: 'case', target: t.name, input: describeInput(input) })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), job.caseTimeoutMs) })
    let outcome: { ok: true, value: unknown } | { ok: false, err: unknown } | 'timeout'
    try {
      outcome = await Promise.race([
        Promise.resolve().then(() => t.run(input)).then(value => ({ ok: true as const, value }), (err: unknown) => ({ ok: false as const, err })),
        timeout
      ])
    } finally {
      clearTimeout(timer)
    }
    if (outcome === 'timeout') throw new Error(`HANG: no answer within ${job.caseTimeoutMs} ms`)
    if (!outcome.ok) {
      if (isTypedError(outcome.err, t.allowedErrors)) {
        typed++
        const e = outcome.err as Error
        const key = `${e.name}: ${e.message.replace(/\d+/g, 'N').slice(0, 80)}`
        if (refusals.size < 200 || refusals.has(key)) refusals.set(key, (refusals.get(key) ?? 0) + 1)
        return
      }
      const e = outcome.err as Error
      throw new Error(`CRASH: untyped ${e?.name ?? typeof e}: ${e?.message ?? String(e)}`)
    }
    const size = t.inputSize?.(input) ?? (input instanceof Uint8Array || typeof input === 'string' ? input.length : 0)
    const out = outputSize(outcome.value)
    const ratio = out / Math.max(1, size)
    if (out > 64 && ratio > maxRatio) maxRatio = ratio
    // A decoder's output is made of its input: more than 4× the input (plus a fixed allowance) is an allocation
    // the input does not pay for.
    if (out > 4 * size + 4096) throw new Error(`ALLOCATION: output of ${out} units from ${size} input units`)
  }), { numRuns: runs, seed: job.seed, endOnFailure: true })
  if (result.failed) {
    findings.push(`${String((result.errorInstance as Error | undefined)?.message ?? 'failed')}; counterexample: ${describeInput(result.counterexample?.[0])}; seed ${job.seed}, path ${result.counterexamplePath ?? ''}`)
  }
  const ms = performance.now() - started
  port.postMessage({ type: 'done', target: t.name, cases, typed, ms, findings, maxRatio, refusals: [...refusals].sort((a, b) => b[1] - a[1]).slice(0, 5), heapMb: Math.round(process.memoryUsage().heapUsed / 1048576) })
}
port.postMessage({ type: 'end' })
