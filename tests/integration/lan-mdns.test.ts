/**
 * Two Node peers on a LAN with no relay find each other by mDNS and chat both ways (issue 3). The LAN is a network
 * namespace of our own (`unshare -rn`: a user + network namespace, no privileges needed) whose loopback carries
 * multicast, so mDNS queries never leave the test; the peers run tests/integration/support/lan-scenario.ts inside it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jsonLines, ROOT } from './support/processes.ts'

const SETUP = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$@"'
const SCENARIO = join(ROOT, 'tests', 'integration', 'support', 'lan-scenario.ts')

/** Whether this machine lets an unprivileged user make a network namespace with multicast on its loopback. */
function namespacesWork (): boolean {
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', SETUP, 'sh', 'true'], { stdio: 'ignore' })
  return r.status === 0
}
const canNamespace = namespacesWork()
if (!canNamespace) console.warn('lan-mdns: skipped, `unshare -rn` with a multicast loopback is not allowed on this machine')

async function runScenario (env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn('unshare', ['-rn', 'sh', '-c', SETUP, 'sh', process.execPath, '--disable-warning=ExperimentalWarning', SCENARIO],
    { cwd: ROOT, env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  return { code, stdout, stderr }
}

describe('two Node peers on a LAN, no relay (mDNS)', () => {
  it.skipIf(!canNamespace)('find each other and chat both ways', async () => {
    const res = await runScenario()
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0)
    const steps = jsonLines<{ step: string, handedToNetwork?: boolean, syncedPeers?: number, authorName?: string, texts?: string[] }>(res.stdout)
    const at = (name: string): (typeof steps)[number] | undefined => steps.find(s => s.step === name)
    expect(at('ana sent')?.handedToNetwork).toBe(true)
    // Before exiting, a relay-less send syncs with the LAN peer, which has then stored the message (it may have been
    // waiting there for Ana's earlier messages, and Ana would be gone for the catch-up it asks).
    expect(at('ana sent')?.syncedPeers).toBe(1)
    expect(at('ben sent')?.syncedPeers).toBe(1)
    expect(at('ben got it')?.authorName).toBe('Ana')
    expect(at('ben sent')?.handedToNetwork).toBe(true)
    expect(at('ana got it')?.authorName).toBe('Ben')
    expect(at('ana history')?.texts).toEqual(['hello over the LAN', 'and back over the LAN'])
    expect(at('done')).toBeDefined()
  }, 180_000)

  it.skipIf(!canNamespace)('with mDNS off the same peers cannot reach each other (the first test is not passing by another path)', async () => {
    const res = await runScenario({ CHATSPHERE_NO_MDNS: '1' })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/Ana send exited 3: .*stored locally only/)
  }, 180_000)
})
