/**
 * src/net/direct-setup.ts and the answering end's part in src/net/direct-upgrader.ts: which signs end a WebRTC set-up
 * early. A dial is aborted only on a reset of the signalling stream it opened (not on the answering end closing its
 * writing, which a normal set-up does before the dialling end's data channel opens). The answering end resets the
 * signalling stream only for a set-up whose connection is dead on arrival or closes before the dialling end finished
 * and before identify. The dying set-up itself is made with real nodes in tests/integration/direct-dead-setup.test.ts;
 * the cases here (a connection closing in that window, two set-ups at once) cannot be steered there, so the node is the
 * part of one these functions read: connections, their streams, connection and identify events.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { deadOnArrival, waitingAnswers, watchDial } from '../../../src/net/direct-setup.ts'
import { DirectUpgrader } from '../../../src/net/direct-upgrader.ts'
import { WEBRTC_SIGNALING_PROTOCOL } from '../../../src/constants.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

const [ME, OTHER, RELAY] = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString())) as [string, string, string]

type FakeStream = EventTarget & { protocol: string, direction: string, status: string, writeStatus: string, remoteWriteStatus: string, aborted?: Error, abort: (err: Error) => void }

function stream (direction: 'inbound' | 'outbound', fields: Partial<FakeStream> = {}): FakeStream {
  const s = Object.assign(new EventTarget(), {
    protocol: WEBRTC_SIGNALING_PROTOCOL, direction, status: 'open', writeStatus: 'writable', remoteWriteStatus: 'writable',
    abort: (err: Error) => { s.aborted = err; s.status = 'aborted' }
  }, fields) as FakeStream
  return s
}

/** The remote end resets the stream (what the answering end's abort looks like at the dialling end). */
function remoteReset (s: FakeStream): void {
  s.status = 'reset'
  s.dispatchEvent(new Event('close'))
}

type FakeConn = Connection & { aborted?: Error }

function relayed (streams: FakeStream[]): FakeConn {
  return { id: 'relayed', remotePeer: peerIdFromString(OTHER), remoteAddr: multiaddr(`/p2p/${RELAY}/p2p-circuit/p2p/${OTHER}`), direction: 'inbound', status: 'open', streams, limits: { bytes: 1n << 20n }, timeline: { open: 1 } } as unknown as FakeConn
}

/** An inbound WebRTC connection whose RTCPeerConnection is in `pcState` (read by deadOnArrival). */
function webrtcIn (pcState: string): FakeConn {
  const c = {
    id: `webrtc-${pcState}`, remotePeer: peerIdFromString(OTHER), remoteAddr: multiaddr(`/webrtc/p2p/${OTHER}`), direction: 'inbound', status: 'open', streams: [], timeline: { open: 2 },
    maConn: { peerConnection: { connectionState: pcState } },
    abort: (err: Error) => { c.aborted = err; c.status = 'closed' }
  } as unknown as FakeConn
  return c
}

function node (conns: FakeConn[]): Libp2p & EventTarget {
  return Object.assign(new EventTarget(), {
    peerId: peerIdFromString(ME),
    getConnections: () => conns.filter(c => c.status === 'open')
  }) as unknown as Libp2p & EventTarget
}

describe('a dial\'s watch', () => {
  it('aborts on a reset of the signalling stream the dial opened, not on the other end closing its writing', () => {
    const old = stream('outbound')
    const streams = [old]
    const n = node([relayed(streams)])
    const watch = watchDial(n, OTHER, 60_000)
    const ours = stream('outbound')
    streams.push(ours)
    watch.onProgress({ type: 'webrtc:send-sdp-offer' })
    // The answering end's part is over (normal before our data channel opens): no abort.
    ours.remoteWriteStatus = 'closed'
    ours.dispatchEvent(new Event('remoteCloseWrite'))
    // A stream of an earlier set-up being reset is not this dial's business.
    remoteReset(old)
    expect(watch.signal.aborted).toBe(false)
    expect(watch.failure()).toBeUndefined()
    remoteReset(ours)
    expect(watch.signal.aborted).toBe(true)
    expect(watch.failure()).toMatch(/reset the signalling stream/)
    watch.stop()
  })

  it('a stream already reset when found aborts at once; after stop nothing aborts', () => {
    const streams: FakeStream[] = []
    const n = node([relayed(streams)])
    const first = watchDial(n, OTHER, 60_000)
    const ours = stream('outbound', { status: 'reset' })
    streams.push(ours)
    first.onProgress({ type: 'webrtc:open-signaling-stream' })
    expect(first.signal.aborted).toBe(false)
    first.onProgress({ type: 'webrtc:send-sdp-offer' })
    expect(first.signal.aborted).toBe(true)

    const second = watchDial(n, OTHER, 60_000)
    const next = stream('outbound')
    streams.push(next)
    second.onProgress({ type: 'webrtc:send-sdp-offer' })
    second.stop()
    remoteReset(next)
    expect(second.signal.aborted).toBe(false)
  })
})

describe('the answering end', () => {
  it('counts as waiting only an inbound set-up whose part is over while the dialling end has not finished', () => {
    const waiting = stream('inbound', { writeStatus: 'closed' })
    const n = node([relayed([
      waiting,
      stream('inbound'), // still signalling
      stream('inbound', { writeStatus: 'closed', remoteWriteStatus: 'closed', status: 'closed' }), // finished
      stream('outbound', { writeStatus: 'closed' }) // our own dial
    ])])
    expect(waitingAnswers(n, OTHER)).toEqual([waiting])
    expect(deadOnArrival(webrtcIn('closed'))).toBe(true)
    expect(deadOnArrival(webrtcIn('failed'))).toBe(true)
    expect(deadOnArrival(webrtcIn('connected'))).toBe(false)
    expect(deadOnArrival({ remotePeer: peerIdFromString(OTHER) } as unknown as Connection)).toBe(false)
  })

  function answering (streams: FakeStream[], ...webrtc: FakeConn[]): { n: Libp2p & EventTarget, upgrader: DirectUpgrader, open: (c: FakeConn) => void, close: (c: FakeConn) => void, identify: (c: FakeConn) => void } {
    const n = node([relayed(streams), ...webrtc])
    const upgrader = new DirectUpgrader(n, { relays: () => [RELAY], isRelay: id => id === RELAY })
    upgrader.start()
    return {
      n,
      upgrader,
      open: (c) => { n.dispatchEvent(new CustomEvent('connection:open', { detail: c })) },
      close: (c) => { c.status = 'closed'; n.dispatchEvent(new CustomEvent('connection:close', { detail: c })) },
      identify: (c) => { n.dispatchEvent(new CustomEvent('peer:identify', { detail: { connection: c } })) }
    }
  }

  it('resets the set-up\'s signalling stream and closes a connection whose peer connection is dead on arrival', () => {
    const s = stream('inbound', { writeStatus: 'closed' })
    const dead = webrtcIn('closed')
    const a = answering([s], dead)
    a.open(dead)
    expect(s.aborted).toBeInstanceOf(Error)
    expect(dead.aborted).toBeInstanceOf(Error)
    expect(a.upgrader.state(OTHER)).not.toBe('direct')
    a.upgrader.stop()
  })

  it('a dialled connection over a peer connection that failed during the set-up is closed and the dial fails', async () => {
    const dead = Object.assign(webrtcIn('closed'), { direction: 'outbound', remoteAddr: multiaddr(`/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${OTHER}`) }) as FakeConn
    const conns: FakeConn[] = [relayed([])]
    const n = Object.assign(node(conns), {
      dial: async () => {
        conns.push(dead)
        n.dispatchEvent(new CustomEvent('connection:open', { detail: dead }))
        return dead
      }
    })
    const upgrader = new DirectUpgrader(n, { relays: () => [RELAY], isRelay: id => id === RELAY })
    upgrader.start()
    expect(await upgrader.upgrade(OTHER)).toBe('failed')
    expect(dead.aborted).toBeInstanceOf(Error)
    expect(upgrader.lastError(OTHER)).toMatch(/peer connection failed/)
    upgrader.stop()
  })

  it('resets it when the connection closes before identify and before the dialling end finished, not after', () => {
    const s1 = stream('inbound', { writeStatus: 'closed' })
    const c1 = webrtcIn('connected')
    const a = answering([s1], c1)
    a.open(c1)
    expect(s1.aborted).toBeUndefined()
    expect(c1.aborted).toBeUndefined()
    a.close(c1)
    expect(s1.aborted).toBeInstanceOf(Error)
    a.upgrader.stop()

    // Identified: the dialling end answered on it, so its dial completed (its close of the stream may still be on the
    // way through the relay): a later close (glare, the user leaving) is no failure of the set-up.
    const s2 = stream('inbound', { writeStatus: 'closed' })
    const c2 = webrtcIn('connected')
    const b = answering([s2], c2)
    b.open(c2)
    b.identify(c2)
    b.close(c2)
    expect(s2.aborted).toBeUndefined()
    b.upgrader.stop()

    // The dialling end finished first (its writing closed): nothing to tell it.
    const s3 = stream('inbound', { writeStatus: 'closed' })
    const c3 = webrtcIn('connected')
    const c = answering([s3], c3)
    c.open(c3)
    s3.remoteWriteStatus = 'closed'
    c.close(c3)
    expect(s3.aborted).toBeUndefined()
    c.upgrader.stop()
  })

  it('leaves two waiting set-ups alone (which one a connection belongs to is not known)', () => {
    const s1 = stream('inbound', { writeStatus: 'closed' })
    const s2 = stream('inbound', { writeStatus: 'closed' })
    const dead = webrtcIn('failed')
    const a = answering([s1, s2], dead)
    a.open(dead)
    expect(s1.aborted).toBeUndefined()
    expect(s2.aborted).toBeUndefined()
    // The dead connection itself is still closed.
    expect(dead.aborted).toBeInstanceOf(Error)
    a.upgrader.stop()
  })
})
