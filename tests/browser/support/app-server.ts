// Serves the built web app for a test: a real relay process (src/cli/main.ts relay) that also serves web/dist.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RELAY_INFO_PATH } from '../../../src/constants.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** How long a relay may take to answer its info document after spawning. */
const RELAY_START_TIMEOUT_MS = 30_000

export interface AppServer {
  url: string
  dataDir: string
  /** Output of the relay so far (for failure messages). */
  log: () => string
  stop: () => Promise<void>
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => {
        if (typeof addr === 'object' && addr !== null) resolve(addr.port)
        else reject(new Error('no port'))
      })
    })
  })
}

/** Starts a relay on a free loopback port with a fresh data directory and waits until it serves its info document. */
export async function startRelay (opts: { dataDir?: string, port?: number, args?: string[] } = {}): Promise<AppServer> {
  const port = opts.port ?? await freePort()
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-relay-'))
  // Loopback only; no libp2p TCP listener (browsers use the WebSocket on the HTTP port, and a fixed TCP port would
  // collide between relays started in parallel).
  const args = [join(ROOT, 'src/cli/main.ts'), 'relay', '--port', String(port), '--host', '127.0.0.1', '--tcp-port', 'off', '--data', dataDir, ...(opts.args ?? [])]
  let out = ''
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } })
  child.stdout?.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr?.on('data', (b: Buffer) => { out += b.toString() })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + RELAY_START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited (${child.exitCode}):\n${out}`)
    try {
      const res = await fetch(url + RELAY_INFO_PATH)
      if (res.ok) break
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`relay did not start in time:\n${out}`) }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    dataDir,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** The relay serving the app. */
export async function startApp (): Promise<AppServer> {
  return await startRelay()
}
