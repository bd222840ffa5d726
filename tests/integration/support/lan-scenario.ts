/**
 * Runs INSIDE a fresh network namespace (tests/integration/lan-mdns.test.ts starts it with `unshare -rn` and turns on
 * multicast on its loopback): two CLI peers with no relay at all find each other by mDNS and chat both ways. Prints
 * one JSON line per step on stdout and a final `{"done":true}`; any failure exits 1 with the reason on stderr.
 */
import { cli, cleanupDirs, jsonLines, Proc, tempDir } from './processes.ts'

/** mDNS on, WebRTC off (not needed on a LAN), TCP on the namespace's loopback, and no --relay anywhere. */
const LAN_PEER = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-webrtc']
const STEP_TIMEOUT_MS = 60_000
/** Long-running children, killed on the way out so a failed step does not keep this process alive. */
const running: Proc[] = []

function step (what: string, detail: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ step: what, ...detail }) + '\n')
}

async function peer (name: string): Promise<{ run: (args: string[]) => ReturnType<typeof cli>, spawn: (args: string[]) => Proc }> {
  const base = ['--data', await tempDir(`cs-lan-${name}-`), ...LAN_PEER]
  const p = { run: async (args: string[]) => await cli([...base, ...args]), spawn: (args: string[]) => follow(new Proc([...base, ...args])) }
  const created = await p.run(['id', 'create', '--name', name])
  if (created.code !== 0) throw new Error(`id create ${name}: ${created.stderr}`)
  return p
}

function follow (p: Proc): Proc {
  running.push(p)
  return p
}

function must (res: { code: number | null, stdout: string, stderr: string }, what: string): string {
  if (res.code !== 0) throw new Error(`${what} exited ${String(res.code)}: ${res.stderr}`)
  return res.stdout
}

async function main (): Promise<void> {
  const [ana, ben] = await Promise.all([peer('Ana'), peer('Ben')])
  const invite = must(await ana.run(['room', 'create', 'lan']), 'room create').trim()
  must(await ben.run(['room', 'join', invite]), 'room join')
  step('joined')

  const benFollow = ben.spawn(['read', 'lan', '--follow', '--json'])
  await benFollow.waitLine(l => l.includes('"following"'), STEP_TIMEOUT_MS, 'Ben following')
  const sent = jsonLines<{ handedToNetwork: boolean, syncedPeers?: number }>(must(await ana.run(['--json', 'send', 'lan', 'hello over the LAN']), 'Ana send'))[0]
  step('ana sent', { handedToNetwork: sent?.handedToNetwork, syncedPeers: sent?.syncedPeers })
  const atBen = JSON.parse(await benFollow.waitLine(l => l.includes('hello over the LAN'), STEP_TIMEOUT_MS, "Ana's message at Ben")) as { authorName: string }
  step('ben got it', { authorName: atBen.authorName })
  benFollow.child.kill('SIGTERM')
  await benFollow.exited

  const anaFollow = ana.spawn(['read', 'lan', '--follow', '--json'])
  await anaFollow.waitLine(l => l.includes('"following"'), STEP_TIMEOUT_MS, 'Ana following')
  const reply = jsonLines<{ handedToNetwork: boolean, syncedPeers?: number }>(must(await ben.run(['--json', 'send', 'lan', 'and back over the LAN']), 'Ben send'))[0]
  step('ben sent', { handedToNetwork: reply?.handedToNetwork, syncedPeers: reply?.syncedPeers })
  const atAna = JSON.parse(await anaFollow.waitLine(l => l.includes('and back over the LAN'), STEP_TIMEOUT_MS, "Ben's message at Ana")) as { authorName: string }
  step('ana got it', { authorName: atAna.authorName })
  anaFollow.child.kill('SIGTERM')
  await anaFollow.exited

  const history = jsonLines<{ text?: string }>(must(await ana.run(['read', 'lan', '--json']), 'Ana read')).map(l => l.text)
  step('ana history', { texts: history })
  step('done')
}

try {
  await main()
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exitCode = 1
} finally {
  for (const p of running) p.child.kill('SIGKILL')
  await Promise.all(running.map(async p => await p.exited))
  await cleanupDirs()
}
