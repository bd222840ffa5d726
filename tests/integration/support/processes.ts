/**
 * Real processes for integration tests: the relay and CLI peers run as `process.execPath src/cli/main.ts ...`
 * (Node 22 with type stripping), on 127.0.0.1 with free ports and temporary data dirs. Waits are on output lines
 * with timeouts, never sleeps.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'

export const ROOT = join(import.meta.dirname, '..', '..', '..')
export const MAIN = join(ROOT, 'src', 'cli', 'main.ts')
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning']
/** Peer options for a loopback-only sandbox. */
export const LOOPBACK_PEER = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--no-webrtc']

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

const dirs: string[] = []
const liveProcs = new Set<Proc>()
export async function tempDir (prefix = 'cs-it-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}
/**
 * Stops every child a test left running (a failed assertion skips the test's own `stop()`, and a follower would
 * otherwise outlive the run and keep writing into a directory about to be removed), then removes the directories.
 */
export async function cleanupDirs (): Promise<void> {
  await Promise.all([...liveProcs].map(async p => await p.stop('SIGKILL')))
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
}

/** A running child with line-based waiting on stdout/stderr. */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: string[] = []
  readonly errLines: string[] = []
  #waiters: Array<{ test: (l: string) => boolean, resolve: (l: string) => void }> = []
  readonly exited: Promise<number | null>

  constructor (args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [...NODE_FLAGS, MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } })
    const feed = (into: string[]) => {
      let buf = ''
      return (chunk: Buffer): void => {
        buf += chunk.toString('utf8')
        let i: number
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i)
          buf = buf.slice(i + 1)
          into.push(line)
          for (const w of [...this.#waiters]) {
            if (w.test(line)) { this.#waiters.splice(this.#waiters.indexOf(w), 1); w.resolve(line) }
          }
        }
      }
    }
    this.child.stdout.on('data', feed(this.lines))
    this.child.stderr.on('data', feed(this.errLines))
    liveProcs.add(this)
    this.exited = new Promise(resolve => this.child.on('exit', (code) => { liveProcs.delete(this); resolve(code) }))
  }

  /** Resolves with the first line (past or future, stdout or stderr) that passes `test`. */
  async waitLine (test: (line: string) => boolean, timeoutMs = 30_000, what = 'a line'): Promise<string> {
    const seen = [...this.lines, ...this.errLines].find(test)
    if (seen != null) return seen
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter(w => w.resolve !== done)
        reject(new Error(`timed out waiting for ${what}; stdout:\n${this.lines.slice(-20).join('\n')}\nstderr:\n${this.errLines.slice(-20).join('\n')}`))
      }, timeoutMs)
      const done = (l: string): void => { clearTimeout(timer); resolve(l) }
      this.#waiters.push({ test, resolve: done })
    })
  }

  write (line: string): void { this.child.stdin.write(line + '\n') }

  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode != null || this.child.signalCode != null) return this.child.exitCode
    this.child.kill(signal)
    return await this.exited
  }
}

/** Runs one CLI command to completion. */
export async function cli (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const p = new Proc(args, env)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const code = await p.exited
  clearTimeout(timer)
  // Let the stream 'data' events drain.
  await new Promise(resolve => setImmediate(resolve))
  return { code, stdout: p.lines.join('\n'), stderr: p.errLines.join('\n') }
}

export interface RelayProc {
  proc: Proc
  url: string
  port: number
  peerId: string
  multiaddrs: string[]
  dataDir: string
  metrics: () => Promise<Record<string, number>>
}

/** Starts a relay process and waits for its "relay started" log line. */
export async function startRelayProc (opts: { port?: number, dataDir?: string, peers?: string[], extra?: string[] } = {}): Promise<RelayProc> {
  const port = opts.port ?? await freePort()
  const dataDir = opts.dataDir ?? await tempDir('cs-relay-')
  const args = ['relay', '--host', '127.0.0.1', '--port', String(port), '--tcp-port', '0', '--data', dataDir, '--no-web', '--log-level', 'info',
    ...(opts.peers ?? []).flatMap(p => ['--peer', p]), ...(opts.extra ?? [])]
  const proc = new Proc(args)
  const line = await proc.waitLine(l => l.includes('"relay started"'), 30_000, 'relay start')
  const info = JSON.parse(line) as { url: string, peerId: string, multiaddrs: string[] }
  return {
    proc,
    url: info.url,
    port,
    peerId: info.peerId,
    multiaddrs: info.multiaddrs,
    dataDir,
    metrics: async () => parseMetrics(await (await fetch(`${info.url}/metrics`)).text())
  }
}

/** Prometheus text → { 'name{labels}': value }. */
export function parseMetrics (text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    const i = line.lastIndexOf(' ')
    out[line.slice(0, i)] = Number(line.slice(i + 1))
  }
  return out
}

/** A peer: a data dir with an identity, and helpers to run CLI commands against it. */
export interface Peer {
  data: string
  run: (args: string[], timeoutMs?: number) => Promise<{ code: number | null, stdout: string, stderr: string }>
  spawn: (args: string[]) => Proc
}

export async function makePeer (name: string, relays: string[]): Promise<Peer> {
  const data = await tempDir(`cs-${name}-`)
  const base = ['--data', data, ...LOOPBACK_PEER, ...relays.flatMap(r => ['--relay', r])]
  const peer: Peer = {
    data,
    run: async (args, timeoutMs) => await cli([...base, ...args], {}, timeoutMs),
    spawn: (args) => new Proc([...base, ...args])
  }
  const created = await peer.run(['id', 'create', '--name', name])
  if (created.code !== 0) throw new Error(`id create failed: ${created.stderr}`)
  return peer
}

/** Parses JSON lines, skipping anything else. */
export function jsonLines<T = Record<string, unknown>> (text: string): T[] {
  const out: T[] = []
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue
    try { out.push(JSON.parse(l) as T) } catch { /* not JSON */ }
  }
  return out
}
