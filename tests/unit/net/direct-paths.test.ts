import { describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { connectionPath, isPrivateAddress, PeerDirectory } from '../../../src/chat/peer-paths.ts'
import { describeConnection } from '../../../src/chat/connection-info.ts'
import type { Connection } from '@libp2p/interface'

const PEER = '12D3KooWAoQ7v1bda8KCPwZbtEPGtC6KTzE4sSyAg45uERtkLLKi'
const RELAY = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

/** The parts of a libp2p connection the path code reads (a real Connection has many more). */
function conn (addr: string, limited = false): Connection {
  return {
    remoteAddr: multiaddr(addr),
    remotePeer: { toString: () => PEER },
    status: 'open',
    ...(limited ? { limits: { bytes: 1024n, seconds: 60 } } : {})
  } as unknown as Connection
}

describe('connection paths', () => {
  it('tells private and loopback addresses from public ones', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '172.16.0.1', '172.31.255.1', '169.254.1.1', '::1', 'fe80::1', 'fd00::2']) {
      expect(isPrivateAddress(ip)).toBe(true)
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '2001:db8::1', '100.64.0.1']) expect(isPrivateAddress(ip)).toBe(false)
  })

  it('LAN for TCP/WebSockets to a private address, direct for WebRTC and public, relay for circuits and limits', () => {
    expect(connectionPath(conn(`/ip4/192.168.1.5/tcp/4001/p2p/${PEER}`))).toBe('lan')
    expect(connectionPath(conn(`/ip4/8.8.4.4/tcp/4001/ws/p2p/${PEER}`))).toBe('direct')
    // Dialling side of a WebRTC connection: the address names the relay that carried the signalling only.
    expect(connectionPath(conn(`/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`))).toBe('direct')
    expect(connectionPath(conn(`/webrtc/p2p/${PEER}`))).toBe('direct')
    expect(connectionPath(conn(`/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`, true))).toBe('relay')
    // Relay limits win over the address.
    expect(connectionPath(conn(`/webrtc/p2p/${PEER}`, true))).toBe('relay')
  })

  it('describeConnection: webrtc is direct, limited is relayed', () => {
    expect(describeConnection(conn(`/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`), () => false)).toMatchObject({ path: 'direct', transport: 'webrtc' })
    expect(describeConnection(conn(`/ip4/127.0.0.1/tcp/9/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`, true), () => false)).toMatchObject({ path: 'relayed', transport: 'ws' })
  })

  it('the directory remembers users per peer, bounded, and answers peersOf', () => {
    const d = new PeerDirectory()
    expect(d.note('p1', 'alice')).toBe(true)
    expect(d.note('p1', 'alice')).toBe(false)
    expect(d.note('p2', 'alice')).toBe(true)
    d.note('p3', 'bob')
    expect(d.peersOf('alice')).toEqual(['p1', 'p2'])
    for (let i = 0; i < 20; i++) d.note('p1', `u${i}`)
    expect(d.peersOf('u19')).toEqual([])
  })
})
