/**
 * src/net/direct-glare.ts: which of two WebRTC connections from a simultaneous dial both ends keep, and which
 * connection a transfer uses. Both ends run the rule on their own view (directions swapped, open times their own)
 * and must name the same connection.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { glareKeeper, isOpenUnlimited, isWebRTCConnection, preferredDirect } from '../../../src/net/direct-glare.ts'
import type { Connection } from '@libp2p/interface'

const [A, B, RELAY] = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString())) as [string, string, string]

/** The parts of a libp2p connection the rule reads (a real Connection has many more). */
function conn (id: string, direction: 'inbound' | 'outbound', addr: string, open: number, extra: Partial<Connection> = {}): Connection {
  return { id, direction, remoteAddr: multiaddr(addr), timeline: { open }, status: 'open', ...extra } as unknown as Connection
}

/** The WebRTC connection `dialler` opened to `other`, as seen at `at`. */
function webrtc (name: string, dialler: string, other: string, at: string, open: number): Connection {
  return at === dialler
    ? conn(name, 'outbound', `/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${other}`, open)
    : conn(name, 'inbound', `/webrtc/p2p/${dialler}`, open)
}

describe('glare resolution', () => {
  it('both ends keep the connection the smaller peer id dialled, whichever opened first at each end', () => {
    const [small, large] = A < B ? [A, B] : [B, A]
    for (const [smallFirst, largeFirst] of [[true, true], [true, false], [false, true], [false, false]]) {
      // "x" was dialled by the smaller id, "y" by the larger; each end saw them open in its own order.
      const atSmall = [webrtc('x', small, large, small, smallFirst ? 1 : 2), webrtc('y', large, small, small, smallFirst ? 2 : 1)]
      const atLarge = [webrtc('x', small, large, large, largeFirst ? 1 : 2), webrtc('y', large, small, large, largeFirst ? 2 : 1)]
      expect(glareKeeper(small, large, atSmall)?.id).toBe('x')
      expect(glareKeeper(large, small, atLarge)?.id).toBe('x')
    }
  })

  it('several dialled the same way: the oldest; none dialled that way: the oldest of all; none at all: undefined', () => {
    const [small, large] = A < B ? [A, B] : [B, A]
    const twice = [webrtc('late', small, large, small, 5), webrtc('early', small, large, small, 3), webrtc('other', large, small, small, 1)]
    expect(glareKeeper(small, large, twice)?.id).toBe('early')
    const onlyTheirs = [webrtc('b2', large, small, small, 4), webrtc('b1', large, small, small, 2)]
    expect(glareKeeper(small, large, onlyTheirs)?.id).toBe('b1')
    expect(glareKeeper(small, large, [])).toBeUndefined()
  })

  it('tells WebRTC from webrtc-direct and relayed circuits from direct connections', () => {
    expect(isWebRTCConnection(conn('w', 'inbound', `/webrtc/p2p/${A}`, 1))).toBe(true)
    expect(isWebRTCConnection(conn('wd', 'outbound', `/ip4/127.0.0.1/udp/9/webrtc-direct/p2p/${A}`, 1))).toBe(false)
    expect(isOpenUnlimited(conn('c', 'outbound', `/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/p2p/${A}`, 1))).toBe(false)
    expect(isOpenUnlimited(conn('l', 'outbound', `/webrtc/p2p/${A}`, 1, { limits: { bytes: 10n } }))).toBe(false)
    expect(isOpenUnlimited(conn('s', 'outbound', `/webrtc/p2p/${A}`, 1, { status: 'closing' }))).toBe(false)
    expect(isOpenUnlimited(conn('r', 'outbound', `/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${A}`, 1))).toBe(true)
  })

  it('a transfer takes a LAN connection first, else the kept WebRTC one, never a relayed one', () => {
    const [small, large] = A < B ? [A, B] : [B, A]
    const relayed = conn('relayed', 'outbound', `/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/p2p/${large}`, 0, { limits: { bytes: 1n << 26n } })
    const x = webrtc('x', small, large, small, 2)
    const y = webrtc('y', large, small, small, 1)
    const tcp = conn('tcp', 'outbound', `/ip4/192.168.1.5/tcp/4001/p2p/${large}`, 3)
    expect(preferredDirect(small, large, [relayed, y, x])?.id).toBe('x')
    expect(preferredDirect(small, large, [relayed, y, x, tcp])?.id).toBe('tcp')
    expect(preferredDirect(small, large, [relayed, y])?.id).toBe('y')
    expect(preferredDirect(small, large, [relayed])).toBeUndefined()
  })
})
