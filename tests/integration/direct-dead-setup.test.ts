/**
 * A WebRTC set-up whose answering end's RTCPeerConnection closes during ICE (seen under load). @libp2p/webrtc 6.0.33
 * drops that error at both ends: the answering end closes its writing on the signalling stream and opens a connection
 * over the dead peer connection, and the dialling end waits for its init data channel until the dial's timeout (20 s
 * per address in libp2p, 60 s in the upgrader here). The answering end's DirectUpgrader resets the signalling stream
 * once it finds its connection dead, and the dialling end's upgrader aborts its dial on that reset.
 * Real libp2p nodes (WebRTC on loopback, no TCP listener), the real DirectUpgrader, a real relay process. The fault is
 * made by closing the answering end's RTCPeerConnection (node-datachannel, the one @libp2p/webrtc uses in Node) right
 * after it set its answer, i.e. once ICE has started.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { DirectUpgrader } from '../../src/net/direct-upgrader.ts'
import { isWebRTCConnection } from '../../src/net/direct-glare.ts'
import { RelayConnector } from '../../src/net/relay-connector.ts'
import { waitUntil } from '../../src/net/wait-until.ts'
import { cleanupDirs, startRelayProc } from './support/processes.ts'
import type { Libp2p } from '@libp2p/interface'
import type { DirectState } from '../../src/net/direct-upgrader.ts'
import type { RelayProc } from './support/processes.ts'

/** The upgrader's own dial timeout here: far above what the test waits for the failure. */
const DIAL_TIMEOUT_MS = 60_000
/**
 * How long the test waits for the dialling end to report the failure: far below every dial timeout in play (libp2p's
 * 20 s per address, the upgrader's 60 s), so a dial left to its timeout fails the test.
 */
const FAILED_WITHIN_MS = 8_000

interface Peer { id: string, node: Libp2p, relays: RelayConnector, direct: DirectUpgrader }

async function peer (relay: RelayProc): Promise<Peer> {
  const node = await createChatNode({ listen: ['/p2p-circuit', '/webrtc'], mdns: false, webrtcBindAddress: '127.0.0.1' }) as unknown as Libp2p
  await node.start()
  const relays = new RelayConnector(node, { relays: [relay.url] })
  relays.start()
  expect(await relays.waitConnected(15_000)).toBe(true)
  const reserved = (): boolean => node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))
  expect(await waitUntil(reserved, 15_000, [[node, 'self:peer:update']])).toBe(true)
  const direct = new DirectUpgrader(node, { relays: () => relays.connectedRelays(), isRelay: id => relays.isRelay(id), dialTimeoutMs: DIAL_TIMEOUT_MS })
  direct.start()
  return { id: node.peerId.toString(), node, relays, direct }
}

/** Answering peer connections still to be closed during ICE. */
let faults = 0
const proto = RTCPeerConnection.prototype as unknown as { setLocalDescription: (this: RTCPeerConnection, d?: RTCSessionDescriptionInit) => Promise<void> }
const setLocalDescription = proto.setLocalDescription
proto.setLocalDescription = async function (d) {
  await setLocalDescription.call(this, d)
  if (d?.type !== 'answer' || faults === 0) return
  faults--
  // After the answer is set the answering end reads ICE candidates until connected: close it there.
  setTimeout(() => { this.close() }, 0)
}

/** Resolves with the next `direct:state` event of `peerId` with `state`, or rejects after `ms`. */
async function nextState (direct: DirectUpgrader, peerId: string, state: DirectState, ms: number): Promise<{ error?: string }> {
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { direct.removeEventListener('direct:state', on); reject(new Error(`no '${state}' for ${peerId} within ${ms} ms`)) }, ms)
    const on = (e: CustomEvent<{ peerId: string, state: DirectState, error?: string }>): void => {
      if (e.detail.peerId !== peerId || e.detail.state !== state) return
      clearTimeout(timer)
      direct.removeEventListener('direct:state', on)
      resolve(e.detail)
    }
    direct.addEventListener('direct:state', on)
  })
}

describe('a WebRTC set-up that dies during ICE', () => {
  let relay: RelayProc
  let alice: Peer
  let bob: Peer

  beforeAll(async () => {
    relay = await startRelayProc()
    alice = await peer(relay)
    bob = await peer(relay)
  }, 60_000)

  afterAll(async () => {
    proto.setLocalDescription = setLocalDescription
    for (const p of [alice, bob]) {
      if (p == null) continue
      p.direct.stop()
      p.relays.stop()
      await p.node.stop()
    }
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('the dialling end gives up once the answering end reports it, then a new dial connects', async () => {
    faults = 1
    const failed = nextState(alice.direct, bob.id, 'failed', FAILED_WITHIN_MS)
    const upgrade = alice.direct.upgrade(bob.id)
    const { error } = await failed
    expect(faults).toBe(0)
    expect(error).toMatch(/reset the signalling stream/)
    expect(await upgrade).toBe('failed')
    // The answering end closed the connection it had opened over the dead peer connection.
    const webrtcAtBob = (): number => bob.node.getConnections(alice.node.peerId).filter(c => c.status === 'open' && isWebRTCConnection(c)).length
    expect(await waitUntil(() => webrtcAtBob() === 0, 10_000, [[bob.node, 'connection:close']])).toBe(true)
    expect(bob.direct.state(alice.id)).not.toBe('direct')
    // Nothing of the dead set-up is left in the way: the next dial (a retry; `upgrade` skips the backoff) connects.
    expect(await alice.direct.upgrade(bob.id)).toBe('direct')
    expect(faults).toBe(0)
  }, 90_000)
})
