/**
 * Short fuzz run of every network decoder (the long run: `FUZZ_RUNS=20000 node scripts/node22.mjs bench/fuzz.ts`).
 * 0 crashes (only typed errors), 0 hangs (per-case timeout + watchdog), 0 allocations beyond limits (bounded worker
 * heap, outputs bounded by their input).
 */
import { describe, expect, it } from 'vitest'
import { runFuzz } from './support/runner.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 250)

describe('fuzzing every decoder (short run)', () => {
  it(`${RUNS} cases per decoder: no crash, hang or unbounded allocation`, async () => {
    const report = await runFuzz({ runs: RUNS, seed: process.env.FUZZ_SEED != null ? Number(process.env.FUZZ_SEED) : undefined })
    expect(report.findings).toEqual([])
    expect(report.targets.length).toBeGreaterThanOrEqual(26)
    for (const t of report.targets) expect(t.cases).toBeGreaterThan(0)
  }, 60_000)
})
