/** Printing a result table and writing it as JSON into bench/results/, shared by the benchmarks. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Row = Record<string, string | number>

/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable (title: string, rows: Row[]): void {
  const first = rows[0]
  if (first === undefined) return
  const cols = Object.keys(first)
  const cell = (v: string | number | undefined): string => typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : (v ?? '')
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[], nums: boolean[]): string =>
    vals.map((v, i) => nums[i] === true ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)).join('  ')
  console.log(`\n${title}`)
  console.log(line(cols, cols.map(() => false)))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c])), cols.map((c) => typeof r[c] === 'number')))
}

/** The machine a result was measured on, stored with every result file. */
export function environment (): Record<string, string | number> {
  const cpu = cpus()
  // The load average tells a reader whether other work shared the CPU during the run (timings are not comparable then).
  return {
    node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100
  }
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

/** Writes `bench/results/<name>.json` (pretty JSON with the date and environment) and returns its path. */
export function writeResults (name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.json`)
  writeFileSync(path, JSON.stringify({ benchmark: name, date: new Date().toISOString(), environment: environment(), ...data }, null, 2) + '\n')
  return path
}
