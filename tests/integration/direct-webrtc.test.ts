/**
 * Two Node peers that reach each other only through a relay (no TCP listener, no mDNS) upgrade to a direct WebRTC
 * connection by themselves once they share a room, and the API reports the path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'
import type { Chat, PeerPath } from '../../src/index.ts'

const UPGRADE_TIMEOUT_MS = 45_000

/** Resolves with the peer's path once `ok` holds (checked now, on every `path` event and every 50 ms). */
async function waitPath (chat: Chat, peerId: string, ok: (p: PeerPath) => boolean): Promise<PeerPath> {
  // Polled as well as event-driven: what a path says about its users changes without a 'path' event of its own.
  const end = Date.now() + UPGRADE_TIMEOUT_MS
  for (;;) {
    const now = chat.peerPaths().find(p => p.peerId === peerId)
    if (now != null && ok(now)) return now
    if (Date.now() > end) throw new Error(`no matching path for ${peerId}: ${JSON.stringify(chat.peerPaths())}`)
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); chat.removeEventListener('path', done); resolve() }
      const timer = setTimeout(done, 50)
      chat.addEventListener('path', done)
    })
  }
}

describe('direct WebRTC between two Node peers of a room', () => {
  let relay: RelayProc
  let alice: Chat
  let bob: Chat

  beforeAll(async () => {
    relay = await startRelayProc()
    const relays = [relay.multiaddrs.find(a => a.includes('/ws')) as string]
    const common = { relays, mdns: false, listen: ['/p2p-circuit', '/webrtc'], webrtcBindAddress: '127.0.0.1' }
    ;[alice, bob] = await Promise.all([
      createChat({ ...common, dataDir: await tempDir('cs-direct-a-'), displayName: 'Alice' }),
      createChat({ ...common, dataDir: await tempDir('cs-direct-b-'), displayName: 'Bob' })
    ])
    expect(await alice.waitForRelay(15_000)).toBe(true)
    expect(await bob.waitForRelay(15_000)).toBe(true)
  }, 60_000)

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('they upgrade to WebRTC by themselves and report the path', async () => {
    const room = await alice.createRoom('direct')
    await bob.joinRoom(room.invite)
    const a = alice.peerId as string
    const b = bob.peerId as string
    const [atAlice, atBob] = await Promise.all([
      // The path can be direct before that end has seen a frame of the other (which names its user): wait for both.
      waitPath(alice, b, p => p.path === 'direct' && p.transport === 'webrtc' && p.userIds.length > 0),
      waitPath(bob, a, p => p.path === 'direct' && p.transport === 'webrtc' && p.userIds.length > 0)
    ])
    expect(atAlice.upgrade).toBe('direct')
    expect(atAlice.userIds).toEqual([bob.user.userId])
    expect(atBob.userIds).toEqual([alice.user.userId])
    expect(alice.peersOfUser(bob.user.userId)).toEqual([b])
    // Both ends see a WebRTC connection; the answering side's address has no relay in it at all (the dialling side's
    // address names the relay that carried the signalling), and neither has relay limits (path `direct`).
    // When both peers dialled at once, one of the two WebRTC connections is closed a moment later: wait (bounded) until
    // each end holds one, rather than reading a snapshot taken while the duplicate is being replaced.
    const webrtcNow = (): ReturnType<typeof alice.connections> => [
      ...alice.connections().filter(c => c.peerId === b), ...bob.connections().filter(c => c.peerId === a)
    ].filter(c => c.transport === 'webrtc')
    const bothEnds = (): boolean => alice.connections().some(c => c.peerId === b && c.transport === 'webrtc') &&
      bob.connections().some(c => c.peerId === a && c.transport === 'webrtc')
    for (const end = Date.now() + 20_000; !bothEnds() && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 50))
    const webrtc = webrtcNow()
    expect(webrtc.length).toBeGreaterThanOrEqual(2)
    expect(webrtc.every(c => c.path === 'direct')).toBe(true)
    expect(webrtc.some(c => !c.remoteAddr.includes('/p2p-circuit'))).toBe(true)
    expect(alice.connections().find(c => c.peerId === relay.peerId)?.relay).toBe(true)
  }, 60_000)

  it('messages still flow with the direct connection up', async () => {
    const room = alice.rooms()[0]?.id as string
    const got = new Promise<string>((resolve) => {
      bob.addEventListener('message', (e) => { const t = e.detail.messages.find(m => m.text === 'over webrtc?'); if (t != null) resolve(t.text) })
    })
    await alice.send(room, 'over webrtc?')
    expect(await got).toBe('over webrtc?')
  }, 30_000)
})
