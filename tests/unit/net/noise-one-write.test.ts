/**
 * Noise frames leave in one transport write each (src/net/noise-one-write.ts): two real libp2p nodes over TCP on
 * loopback (bare, and as ChatSphere builds its peers) exchange messages on a stream while every socket write is recorded. Plain
 * @libp2p/noise writes a frame's 2-byte length on its own, then its ciphertext.
 */
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { noiseOneWrite } from '../../../src/net/noise-one-write.ts'
import type { Libp2p } from 'libp2p'
import { recordSocketWrites, stopRecordingSocketWrites } from './support/socket-writes.ts'

const PROTOCOL = '/chatsphere-test/echo/1.0.0'
/** Noise's 2-byte length prefix plus its 16-byte tag: no noise frame on the wire is shorter. */
const MIN_NOISE_FRAME = 2 + 16

describe('noiseOneWrite', () => {
  const nodes: Libp2p[] = []
  afterEach(async () => {
    stopRecordingSocketWrites()
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  const bare = async (): Promise<Libp2p> => await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noiseOneWrite()], streamMuxers: [yamux()] })
  const chatPeer = async (): Promise<Libp2p> => await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false }) as unknown as Libp2p

  it.each([['bare libp2p with noiseOneWrite', bare], ['ChatSphere peers (createChatNode)', chatPeer]])('%s: each encrypted frame goes to the socket in one write, and the bytes still arrive', async (_name, factory) => {
    const make = async (): Promise<Libp2p> => {
      const node = await factory()
      await node.start()
      nodes.push(node)
      return node
    }
    const [a, b] = [await make(), await make()]
    const received: string[] = []
    const all = new Promise<void>((resolve) => {
      void b.handle(PROTOCOL, (stream) => {
        stream.addEventListener('message', (evt) => {
          received.push(new TextDecoder().decode(evt.data.subarray()))
          if (received.join('').length >= 20 * 5) resolve()
        })
      })
    })
    // Recorded once the connection is encrypted: multistream-select before it writes its own small pieces.
    await a.dial(b.getMultiaddrs()[0] as never)
    const recording = recordSocketWrites()
    const stream = await a.dialProtocol(b.getMultiaddrs()[0] as never, PROTOCOL)
    for (let i = 0; i < 20; i++) stream.send(new TextEncoder().encode(`m${String(i).padStart(3, '0')}:`))
    await all
    expect(received.join('')).toBe(Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(3, '0')}:`).join(''))
    recording.stop()
    const sizes = recording.writes.map(w => w.bytes)
    expect(sizes.length).toBeGreaterThan(0)
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_NOISE_FRAME)
  })
})
