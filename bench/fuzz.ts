/**
 * Long fuzz run of every network decoder (tests/unit/fuzz/support/targets.ts), in a worker with a bounded heap and a
 * watchdog. `npm test` runs a short version (tests/unit/fuzz/decoders.test.ts).
 *
 *   FUZZ_RUNS=20000 node scripts/node22.mjs bench/fuzz.ts          # cases per decoder (default 5000)
 *   FUZZ_VERBOSE=1 prints the most frequent refusal reasons per decoder.
 *   FUZZ_SEED=123 FUZZ_ONLY=sync node scripts/node22.mjs bench/fuzz.ts   # replay a seed, only matching targets
 *
 * Prints one row per decoder (cases, typed refusals, cases/s) and every finding; exits 1 on any finding.
 */
import { runFuzz } from '../tests/unit/fuzz/support/runner.ts'

const runs = Number(process.env.FUZZ_RUNS ?? 5000)
const seed = process.env.FUZZ_SEED != null ? Number(process.env.FUZZ_SEED) : undefined
const only = process.env.FUZZ_ONLY?.split(',')
const started = Date.now()
const report = await runFuzz({ runs, seed, only, watchdogMs: 30_000, heapMb: 512 })
let total = 0
console.log(`fuzz: seed ${report.seed}, ${runs} cases per decoder (slow targets fewer)`)
console.log('| decoder | cases | typed refusals | cases/s | max out/in |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const t of report.targets) {
  total += t.cases
  console.log(`| ${t.target} | ${t.cases} | ${t.typed} | ${Math.round(t.cases / (t.ms / 1000))} | ${t.maxRatio.toFixed(2)} |`)
}
const secs = (Date.now() - started) / 1000
console.log(`total: ${total} cases in ${secs.toFixed(1)} s (${Math.round(total / secs)} cases/s), ${report.findings.length} findings`)
if (process.env.FUZZ_VERBOSE === '1') for (const t of report.targets) console.log(`${t.target}: ${JSON.stringify(t.refusals)}`)
for (const f of report.findings) console.log(`FINDING: ${f}`)
process.exit(report.findings.length === 0 ? 0 : 1)
