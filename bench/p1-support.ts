/** Shared by benchmarks P1–P3: a relay process, peer worker processes, percentiles. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'

const ROOT = join(import.meta.dirname, '..')
// BENCH_CHILD_FLAGS: extra node flags for the relay and worker processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
const FLAGS = ['--disable-warning=ExperimentalWarning', ...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(f => f.length > 0)]

/** The p-th percentile (nearest rank) of values, in their unit, 3 decimals. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return Math.round((sorted[i] as number) * 1000) / 1000
}

function lines (child: ChildProcessWithoutNullStreams, onLine: (l: string) => void): void {
  let buf = ''
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString()
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1) }
  })
}

export interface RelayChild { url: string, stop: () => Promise<void> }

/** Starts `chatsphere relay` on a free port in its own process. */
export async function spawnRelay (dataDir: string): Promise<RelayChild> {
  const child = spawn(process.execPath, [...FLAGS, join(ROOT, 'src/cli/main.ts'), 'relay', '--host', '127.0.0.1', '--port', '0', '--tcp-port', '0', '--data', dataDir, '--no-web', '--log-level', 'info'], { cwd: ROOT })
  child.stderr.on('data', () => {})
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start')), 30_000)
    lines(child, (l) => { if (l.includes('relay started')) { clearTimeout(timer); resolve(JSON.parse(l).url as string) } })
  })
  return { url, stop: async () => { child.kill('SIGTERM'); await new Promise(resolve => child.once('exit', resolve)) } }
}

export interface Receipt { r: 1, peer: number, seq: number, sentAt?: number, at: number }

export interface WorkerChild {
  /** Resolves with the first receipt (past or future) passing `test`. */
  next: (test: (r: Receipt) => boolean) => Promise<Receipt>
  receipts: Receipt[]
  onReceipt: (fn: (r: Receipt) => void) => void
  stop: () => Promise<void>
  /** True once the process has exited. */
  readonly exited: boolean
}

/** Starts a worker process with `count` peers joined to the invite; resolves once all are connected and synced. */
export async function spawnWorker (relay: string, invite: string, count: number, dataDir: string, quiet = false): Promise<WorkerChild> {
  const child = spawn(process.execPath, [...FLAGS, join(ROOT, 'bench/p2-worker.ts'), relay, invite, String(count), dataDir, quiet ? 'quiet' : 'full'], { cwd: ROOT })
  let err = ''
  child.stderr.on('data', (c: Buffer) => { err += c.toString() })
  const receipts: Receipt[] = []
  let waiters: Array<{ test: (r: Receipt) => boolean, resolve: (r: Receipt) => void }> = []
  const listeners: Array<(r: Receipt) => void> = []
  let ready: () => void = () => {}
  const readyP = new Promise<void>((resolve, reject) => {
    ready = resolve
    child.once('exit', (code) => reject(new Error(`worker exited (${String(code)}): ${err.slice(-2000)}`)))
  })
  lines(child, (l) => {
    if (l.startsWith('{"ready"')) { ready(); return }
    if (!l.startsWith('{"r"')) return
    const r = JSON.parse(l) as Receipt
    receipts.push(r)
    for (const fn of listeners) fn(r)
    const hit = waiters.filter(w => w.test(r))
    if (hit.length > 0) { waiters = waiters.filter(w => !hit.includes(w)); for (const w of hit) w.resolve(r) }
  })
  await readyP
  let exited = false
  child.once('exit', () => { exited = true })
  return {
    get exited () { return exited },
    receipts,
    onReceipt: (fn) => { listeners.push(fn) },
    next: async (test) => {
      const seen = receipts.find(test)
      if (seen != null) return seen
      return await new Promise(resolve => waiters.push({ test, resolve }))
    },
    stop: async () => { child.kill('SIGTERM'); await new Promise(resolve => child.once('exit', resolve)) }
  }
}
