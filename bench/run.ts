/**
 * `npm run bench`: runs every benchmark one after another (each prints its table and writes bench/results/<name>.json).
 * `npm run bench -- crypto history` runs only the named ones. Benchmarks never run inside `npm test`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** Name → file, in the order they run (cheap first). */
const BENCHES: Record<string, string> = {
  crypto: 'crypto.ts',
  history: 'history.ts',
  p1: 'p1-latency.ts',
  p2: 'p2-fanout.ts',
  p3: 'p3-throughput.ts',
  p8: 'p8-browser-latency.ts',
  p9: 'p9-media.ts',
  p10: 'p10-bundle-size.ts',
  p11: 'p11-first-message.ts'
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => BENCHES[name] === undefined)
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}`)
  process.exit(2)
}
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES)
let failed = 0
for (const name of names) {
  const file = join(here, BENCHES[name] ?? '')
  if (!existsSync(file)) continue
  console.log(`\n══ ${name} (${BENCHES[name]})`)
  const res = spawnSync(process.execPath, [...process.execArgv, file], { stdio: 'inherit' })
  if (res.status !== 0) { failed++; console.error(`${name} failed (exit ${res.status ?? res.signal})`) }
}
process.exit(failed > 0 ? 1 : 0)
