/**
 * A relay process and three Node peers (each command its own process): messages both ways, a peer joining late
 * gets the history, store and forward (the sender has exited before the receiver starts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupDirs, jsonLines, makePeer, startRelayProc } from './support/processes.ts'
import type { Peer, RelayProc } from './support/processes.ts'

interface Line { id: string, authorName: string | null, text: string, delivery: { state: string } | null }

describe('relay and three peers', () => {
  let relay: RelayProc
  let ana: Peer
  let ben: Peer
  let cy: Peer
  let invite: string

  beforeAll(async () => {
    relay = await startRelayProc()
    ;[ana, ben, cy] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url]), makePeer('Cy', [relay.multiaddrs.find(a => !a.includes('/ws')) as string])])
    const created = await ana.run(['room', 'create', 'friends'])
    expect(created.code).toBe(0)
    invite = created.stdout.trim()
    expect(invite).toContain('#/join/1/')
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)
  })

  afterAll(async () => {
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('store and forward: Ana sends and exits, Ben starts later and reads it through the relay', async () => {
    const sent = await ana.run(['--json', 'send', 'friends', 'hello from Ana'])
    expect(sent.stderr).toBe('')
    expect(sent.code).toBe(0)
    const s = JSON.parse(sent.stdout) as { id: string, delivery: { state: string } }
    expect(s.delivery.state).toBe('relay')
    const read = await ben.run(['read', 'friends', '--json'])
    expect(read.code).toBe(0)
    const lines = jsonLines<Line>(read.stdout)
    expect(lines.map(l => l.text)).toEqual(['hello from Ana'])
    expect(lines[0]?.id).toBe(s.id)
    expect(lines[0]?.authorName).toBe('Ana')
  })

  it('messages both ways: a follower receives live, the other side reads the reply', async () => {
    const follower = ana.spawn(['read', 'friends', '--follow', '--json'])
    await follower.waitLine(l => l.includes('"following"'), 30_000, 'Ana following')
    const sent = await ben.run(['send', 'friends', 'hi Ana, Ben here'])
    expect(sent.code).toBe(0)
    const line = await follower.waitLine(l => l.includes('hi Ana, Ben here'), 30_000, "Ben's message at Ana")
    expect(JSON.parse(line).authorName).toBe('Ben')
    expect(await follower.stop('SIGTERM')).toBe(0)
    const back = await ana.run(['send', 'friends', 'got it'])
    expect(back.code).toBe(0)
    const read = await ben.run(['read', 'friends', '--json'])
    expect(jsonLines<Line>(read.stdout).map(l => l.text)).toEqual(['hello from Ana', 'hi Ana, Ben here', 'got it'])
  })

  it('a peer joining late (over TCP) gets the whole history in the same order', async () => {
    expect((await cy.run(['room', 'join', invite])).code).toBe(0)
    const read = await cy.run(['read', 'friends', '--json'])
    expect(read.code).toBe(0)
    expect(jsonLines<Line>(read.stdout).map(l => l.text)).toEqual(['hello from Ana', 'hi Ana, Ben here', 'got it'])
    const cySends = await cy.run(['send', 'friends', 'Cy joined'])
    expect(cySends.code).toBe(0)
    const anaRead = await ana.run(['read', 'friends', '--json'])
    expect(jsonLines<Line>(anaRead.stdout).at(-1)?.text).toBe('Cy joined')
    const m = await relay.metrics()
    // The shared room plus each of the three users' inbox rooms (direct-message knocks are kept for offline users).
    expect(m.chatsphere_relay_rooms_kept).toBe(1 + 3)
    // CLI sends wait for the relay's subscription, so they go live by gossip (before, every one went by sync: 0 here).
    expect(m.chatsphere_relay_frames_relayed_total).toBeGreaterThan(0)
  })
})
