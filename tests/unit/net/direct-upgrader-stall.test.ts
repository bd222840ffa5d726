/**
 * src/net/direct-upgrader.ts when the other side's WebRTC set-up dies half way. Seen under load (1 run in 8 of
 * tests/integration/direct-webrtc.test.ts, 21 s instead of 1-2 s): the peer connection closes during ICE at both ends;
 * @libp2p/webrtc drops that error at both, so the answering end finishes its part (closes its writing on the
 * signalling stream, opens a connection that closes at once) while the dialling end waits for a data channel until
 * its 20 s timeout, holding the signalling stream open. The answering end (the larger peer id) must not wait for that
 * stream when its own turn to dial comes. No libp2p node can be steered into that state on purpose, so the node here
 * is the part of one the upgrader reads: connections, their streams, dial and connection events.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DirectUpgrader } from '../../../src/net/direct-upgrader.ts'
import { WEBRTC_SIGNALING_PROTOCOL } from '../../../src/constants.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

const ids = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
const RELAY = ids[2] as string
const [SMALL, LARGE] = [ids[0] as string, ids[1] as string].sort() as [string, string]

type FakeStream = EventTarget & { protocol: string, status: string, writeStatus: string, remoteWriteStatus: string }

function stream (writeStatus: string): FakeStream {
  return Object.assign(new EventTarget(), { protocol: WEBRTC_SIGNALING_PROTOCOL, status: 'open', writeStatus, remoteWriteStatus: 'writable' })
}

let n = 0
function conn (addr: string, direction: 'inbound' | 'outbound', extra: Record<string, unknown> = {}): Connection {
  return { id: `c${n++}`, remotePeer: peerIdFromString(SMALL), remoteAddr: multiaddr(addr), direction, status: 'open', streams: [], timeline: { open: Date.now() }, ...extra } as unknown as Connection
}

/** The node of LARGE as the upgrader sees it; `dialled` resolves on the first WebRTC dial it makes. */
function node (): { node: Libp2p, conns: Connection[], dialled: Promise<string> } {
  const conns: Connection[] = []
  const target = new EventTarget()
  let onDial: (addr: string) => void = () => {}
  const dialled = new Promise<string>(resolve => { onDial = resolve })
  const fake = Object.assign(target, {
    peerId: peerIdFromString(LARGE),
    getConnections: () => conns.filter(c => c.status === 'open'),
    dial: async (addr: unknown) => {
      onDial(String(addr))
      const c = conn(`/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${SMALL}`, 'outbound')
      conns.push(c)
      target.dispatchEvent(new CustomEvent('connection:open', { detail: c }))
      return c
    }
  })
  return { node: fake as unknown as Libp2p, conns, dialled }
}

let upgrader: DirectUpgrader | undefined
afterEach(() => { upgrader?.stop() })

describe('direct upgrade when the other side\'s set-up died', () => {
  it('waits while the other side signals, not once our end of the signalling is over', async () => {
    const { node: fake, conns, dialled } = node()
    const relayed = conn(`/p2p/${RELAY}/p2p-circuit/p2p/${SMALL}`, 'inbound', { limits: { bytes: 1n << 20n } })
    const signalling = stream('writable')
    ;(relayed.streams as unknown as FakeStream[]).push(signalling)
    conns.push(relayed)
    // A dial stuck for its full timeout would outlast the test.
    upgrader = new DirectUpgrader(fake, { relays: () => [RELAY], isRelay: id => id === RELAY, dialTimeoutMs: 120_000 })
    upgrader.start()
    let dialledYet = false
    void dialled.then(() => { dialledYet = true })
    const upgrade = upgrader.upgrade(SMALL)
    expect(upgrader.state(SMALL)).toBe('connecting')
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(dialledYet).toBe(false)
    // Our part ends (its writing closed; the stream stays open while the other end's dial hangs): we dial now.
    signalling.writeStatus = 'closed'
    expect(await dialled).toContain(`/p2p-circuit/webrtc/p2p/${SMALL}`)
    expect(await upgrade).toBe('direct')
  }, 10_000)
})
