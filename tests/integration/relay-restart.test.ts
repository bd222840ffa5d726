/**
 * The relay is killed (SIGKILL) and restarted on the same port and data dir: long-running peers reconnect by
 * themselves (backoff) and keep chatting; the relay comes back with the same peer id and its kept rooms.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, makePeer, startRelayProc } from './support/processes.ts'
import type { Proc, RelayProc } from './support/processes.ts'

describe('relay restart', () => {
  const procs: Proc[] = []
  let relay: RelayProc | undefined

  afterAll(async () => {
    for (const p of procs) await p.stop()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('peers reconnect to a restarted relay and continue', async () => {
    relay = await startRelayProc()
    const [ana, ben] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url])])
    const invite = (await ana.run(['room', 'create', 'ops'])).stdout.trim()
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)

    const anaChat = ana.spawn(['chat', 'ops'])
    const benFollow = ben.spawn(['read', 'ops', '--follow', '--json'])
    procs.push(anaChat, benFollow)
    await anaChat.waitLine(l => l.includes('Type a message'), 30_000, 'Ana chat ready')
    await benFollow.waitLine(l => l.includes('"following"'), 30_000, 'Ben following')
    anaChat.write('before restart')
    await benFollow.waitLine(l => l.includes('before restart'), 30_000, 'first message at Ben')

    const { port, dataDir, peerId } = relay
    await relay.proc.stop('SIGKILL')
    await anaChat.waitLine(l => l.includes('relay lost'), 30_000, 'Ana notices the relay is gone')
    relay = await startRelayProc({ port, dataDir })
    expect(relay.peerId).toBe(peerId)
    await anaChat.waitLine(l => (l.match(/relay connected/g) ?? []).length > 0 && anaChat.lines.filter(x => x.includes('relay connected')).length >= 2, 60_000, 'Ana reconnects')

    anaChat.write('after restart')
    await benFollow.waitLine(l => l.includes('after restart'), 60_000, 'message after restart at Ben')
    const m = await relay.metrics()
    // The shared room plus Ana's and Ben's inbox rooms (direct-message knocks are kept for offline users).
    expect(m.chatsphere_relay_rooms_kept).toBe(1 + 2)
  })
})
