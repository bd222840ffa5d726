/**
 * Glare: two members that reach each other only through a relay process dial each other over WebRTC at the same
 * moment, while one of them fetches a file from the other (a photo tapped right when two devices connect). Real
 * libp2p nodes (WebRTC on loopback, no TCP listener), the real DirectUpgrader and MediaService, a real relay process.
 * Both dials are started in the same tick, so both set-ups overlap and each end opens two WebRTC connections to the
 * other; both ends then keep the same one (the one the smaller peer id dialled), and the fetch never takes the relay.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { createRoomSecret, deriveRoomKeys } from '../../src/room/keys.ts'
import { DirectUpgrader } from '../../src/net/direct-upgrader.ts'
import { isWebRTCConnection } from '../../src/net/direct-glare.ts'
import { RelayConnector } from '../../src/net/relay-connector.ts'
import { waitUntil } from '../../src/net/wait-until.ts'
import { MediaService } from '../../src/media/service.ts'
import { openDirMediaStore } from '../../src/media/store-dir.ts'
import { toHex } from '../../src/crypto/encoding.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { FileBody, FetchProgress } from '../../src/media/types.ts'
import type { MediaRoom } from '../../src/media/service.ts'
import type { RelayProc } from './support/processes.ts'

const WAIT_MS = 30_000
const keys = deriveRoomKeys(createRoomSecret())
/** The one file message of the room both peers are in (the test plays the chat's part: which message holds which file). */
const messageIdText = toHex(randomBytes(16))
let fileBody: FileBody | undefined
const room: MediaRoom = { keys, fileBody: (id) => id === messageIdText ? fileBody : undefined }

interface Peer {
  id: string
  node: Libp2p
  relays: RelayConnector
  direct: DirectUpgrader
  media: MediaService
  /** Every WebRTC connection to the other peer that opened here, and every glare this end resolved. */
  opened: Connection[]
  glares: Array<{ kept: string, closed: string[] }>
}

async function peer (relay: RelayProc, name: string): Promise<Peer> {
  const node = await createChatNode({ listen: ['/p2p-circuit', '/webrtc'], mdns: false, webrtcBindAddress: '127.0.0.1' }) as unknown as Libp2p
  await node.start()
  const relays = new RelayConnector(node, { relays: [relay.url] })
  relays.start()
  expect(await relays.waitConnected(15_000)).toBe(true)
  // Reachable through the relay only once the reservation is made (the circuit address is then ours).
  const reserved = (): boolean => node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))
  expect(await waitUntil(reserved, 15_000, [[node, 'self:peer:update']])).toBe(true)
  const direct = new DirectUpgrader(node, { relays: () => relays.connectedRelays(), isRelay: id => relays.isRelay(id) })
  direct.start()
  const media = new MediaService({
    store: await openDirMediaStore(await tempDir(`cs-glare-${name}-`)),
    room: (id) => id === keys.roomIdText ? room : undefined,
    // No third member: the sender is named in the file message, so want/have announcements have nobody to reach.
    publish: async () => {},
    relays: () => relays.connectedRelays(),
    drop: () => {},
    upgrade: async (p) => await direct.upgrade(p),
    // Bounds the wait for the WebRTC set-up on a busy machine; the test is about which path, not how fast.
    upgradeWaitMs: WAIT_MS
  })
  await media.register(node)
  const p: Peer = { id: node.peerId.toString(), node, relays, direct, media, opened: [], glares: [] }
  direct.addEventListener('direct:glare', (e) => { p.glares.push({ kept: e.detail.kept, closed: e.detail.closed }) })
  node.addEventListener('connection:open', (e) => { if (!relays.isRelay(e.detail.remotePeer.toString()) && isWebRTCConnection(e.detail)) p.opened.push(e.detail) })
  return p
}

/** Open WebRTC connections of `a` to `b`. */
function webrtc (a: Peer, b: Peer): Connection[] {
  return a.node.getConnections(b.node.peerId).filter(c => c.status === 'open' && isWebRTCConnection(c))
}

describe('glare: both members dial WebRTC at once while a fetch waits', () => {
  let relay: RelayProc
  let alice: Peer
  let bob: Peer

  beforeAll(async () => {
    relay = await startRelayProc()
    alice = await peer(relay, 'a')
    bob = await peer(relay, 'b')
  }, 60_000)

  afterAll(async () => {
    for (const p of [alice, bob]) {
      if (p == null) continue
      p.direct.stop()
      p.relays.stop()
      await p.media.close()
      await p.node.stop()
    }
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('both ends keep the same single connection and the fetch takes the direct path', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024))
    fileBody = await alice.media.prepare({ name: 'photo.jpg', mime: 'image/jpeg', bytes }, alice.id)
    const progress: FetchProgress[] = []
    // Same tick: neither sees the other's signalling stream yet, so both dial (the glare) and the fetch, finding no
    // direct connection, waits for the upgrade in progress.
    const [, , got] = await Promise.all([
      alice.direct.upgrade(bob.id),
      bob.direct.upgrade(alice.id),
      bob.media.fetch(room, messageIdText, fileBody, { onProgress: p => progress.push(p) })
    ])
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true)
    // Every report of the transfer named the direct path: no byte went through the relay.
    expect(progress.filter(p => p.peerId != null).map(p => p.path)).not.toContain('relayed')
    expect(progress.at(-1)).toMatchObject({ path: 'direct', peerId: alice.id, bytes: bytes.length })
    // It was a glare: an end held a connection it dialled and one the other dialled (the other end may have closed
    // the one it does not keep before its own dial of it completed).
    const both = (p: Peer): boolean => new Set(p.opened.map(c => c.direction)).size === 2
    expect(both(alice) || both(bob)).toBe(true)
    // Resolved the same way at both ends: one connection left, the one the smaller peer id dialled.
    const one = (): boolean => webrtc(alice, bob).length === 1 && webrtc(bob, alice).length === 1
    const events: Array<[EventTarget, string]> = [alice.node, bob.node].flatMap(n => [[n, 'connection:open'], [n, 'connection:close']] as Array<[EventTarget, string]>)
    expect(await waitUntil(one, WAIT_MS, events)).toBe(true)
    const [smaller, larger] = alice.id < bob.id ? [alice, bob] : [bob, alice]
    const atSmaller = webrtc(smaller, larger)[0]?.direction
    // Both ends hold the same connection (dialled by one of them).
    expect(new Set([atSmaller, webrtc(larger, smaller)[0]?.direction])).toEqual(new Set(['inbound', 'outbound']))
    // When both set-ups completed, an end resolved the glare and kept the one the smaller id dialled. (Now and then
    // one of two simultaneous node-datachannel set-ups dies by itself as it opens: then the other one is what is left.)
    if (alice.glares.length + bob.glares.length > 0) expect(atSmaller).toBe('outbound')
    expect(alice.direct.state(bob.id)).toBe('direct')
    expect(bob.direct.state(alice.id)).toBe('direct')
  }, 90_000)
})
