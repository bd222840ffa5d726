/**
 * Two federated relays (B started with --peer A): a user on relay A and a user on relay B chat in one room, live
 * and through store and forward.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, jsonLines, makePeer, startRelayProc } from './support/processes.ts'
import type { Proc, RelayProc } from './support/processes.ts'

describe('two federated relays', () => {
  const relays: RelayProc[] = []
  const procs: Proc[] = []

  afterAll(async () => {
    for (const p of procs) await p.stop()
    for (const r of relays) await r.proc.stop()
    await cleanupDirs()
  })

  it('a user on relay A and a user on relay B chat in one room', async () => {
    const relayA = await startRelayProc()
    relays.push(relayA)
    const relayB = await startRelayProc({ peers: [relayA.multiaddrs.find(a => !a.includes('/ws')) as string] })
    relays.push(relayB)
    const [ana, ben] = await Promise.all([makePeer('Ana', [relayA.url]), makePeer('Ben', [relayB.url])])
    const invite = (await ana.run(['room', 'create', 'bridge'])).stdout.trim()
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)

    // Store and forward across relays: Ana's message reaches relay A, Ben (on relay B only) reads it later.
    expect((await ana.run(['send', 'bridge', 'stored on A'])).code).toBe(0)
    const benFollow = ben.spawn(['read', 'bridge', '--follow', '--json'])
    procs.push(benFollow)
    await benFollow.waitLine(l => l.includes('stored on A'), 60_000, 'history from relay A at Ben')

    // Live across relays, the other way.
    await benFollow.waitLine(l => l.includes('"following"'), 30_000, 'Ben following')
    expect(await benFollow.stop()).toBe(0)
    const anaFollow = ana.spawn(['read', 'bridge', '--follow', '--json'])
    procs.push(anaFollow)
    await anaFollow.waitLine(l => l.includes('"following"'), 30_000, 'Ana following')
    const sent = await ben.run(['--json', 'send', 'bridge', 'hello from B'])
    expect(sent.code, sent.stderr).toBe(0)
    const line = await anaFollow.waitLine(l => l.includes('hello from B'), 60_000, "Ben's message at Ana")
    expect(JSON.parse(line).authorName).toBe('Ben')
    expect(await anaFollow.stop()).toBe(0)

    const read = await ben.run(['read', 'bridge', '--json'])
    expect(jsonLines<{ text: string }>(read.stdout).map(l => l.text)).toEqual(['stored on A', 'hello from B'])
    // Each relay keeps the shared room plus the inbox room of the one user it serves (inboxes are not federated).
    for (const r of relays) expect((await r.metrics()).chatsphere_relay_rooms_kept).toBe(1 + 1)
    // Federation sync passes the membership check (src/chat/sync-auth.ts): B shows A the keep request a member signed
    // for B, and A, not configured with B, still serves it; neither relay refused a session.
    for (const r of relays) {
      const m = await r.metrics()
      for (const reason of ['sync-no-proof', 'sync-bad-proof', 'sync-version']) expect(m[`chatsphere_relay_frames_dropped_total{reason="${reason}"}`] ?? 0, reason).toBe(0)
    }
    // ~15 s on an idle 2-core machine; two relays and eight CLI processes under a loaded CI need more than the default.
  }, 180_000)
})
