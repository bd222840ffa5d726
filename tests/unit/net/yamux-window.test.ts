/**
 * Yamux window updates once half the receive window is used (src/net/yamux-window.ts): ChatSphere peers over TCP on
 * loopback. Small messages one way get no frame back per message (plain @libp2p/yamux 8 sends a window update after
 * each); a transfer of many windows' worth still completes, in order.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import type { Libp2p } from 'libp2p'
import type { Stream } from '@libp2p/interface'
import { recordSocketWrites, stopRecordingSocketWrites } from './support/socket-writes.ts'

const PROTOCOL = '/chatsphere-test/sink/1.0.0'

describe('half-window yamux updates', () => {
  const nodes: Libp2p[] = []
  afterEach(async () => {
    stopRecordingSocketWrites()
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  async function pair (onStream: (s: Stream) => void): Promise<{ a: Libp2p, b: Libp2p, port: number }> {
    const make = async (): Promise<Libp2p> => {
      const node = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false }) as unknown as Libp2p
      await node.start()
      nodes.push(node)
      return node
    }
    const a = await make()
    const b = await make()
    await b.handle(PROTOCOL, onStream)
    const addr = b.getMultiaddrs().find(m => m.toString().includes('/tcp/') && !m.toString().includes('/ws')) ?? b.getMultiaddrs()[0]
    await a.dial(addr as never)
    return { a, b, port: Number(addr?.toString().split('/tcp/')[1]?.split('/')[0]) }
  }

  it('sends no window update per small message', async () => {
    let got = 0
    let arrived: () => void = () => {}
    const { a, b, port } = await pair((stream) => {
      stream.addEventListener('message', (evt) => { got += evt.data.byteLength; arrived() })
    })
    const received = async (bytes: number): Promise<void> => {
      while (got < bytes) await new Promise<void>(resolve => { arrived = resolve })
    }
    const stream = await a.dialProtocol(b.peerId, PROTOCOL)
    // Frames the listening end writes from now on (its sockets have the listening port as their local port).
    const recording = recordSocketWrites()
    for (let i = 0; i < 100; i++) {
      stream.send(new Uint8Array(600).fill(i))
      // One message at a time, as a chat sends them: each is read before the next goes out.
      await received((i + 1) * 600)
    }
    recording.stop()
    const fromListener = recording.writes.filter(w => w.socket.localPort === port).length
    // Plain yamux: a window update per message (111 writes in all); here none until half of the 256 KiB window is
    // used (what it writes is identify, gossipsub and ping traffic: 6 writes).
    expect(fromListener).toBeLessThan(30)
  })

  it('a transfer of many windows still arrives whole and in order', async () => {
    const total = 4 * 1024 * 1024
    const chunks: Uint8Array[] = []
    let got = 0
    let done: () => void = () => {}
    const all = new Promise<void>((resolve) => { done = resolve })
    const { a, b } = await pair((stream) => {
      stream.addEventListener('message', (evt) => {
        const bytes = evt.data.subarray()
        chunks.push(bytes)
        got += bytes.byteLength
        if (got >= total) done()
      })
    })
    const stream = await a.dialProtocol(b.peerId, PROTOCOL)
    const data = new Uint8Array(total)
    for (let i = 0; i < total; i++) data[i] = i % 251
    for (let at = 0; at < total; at += 16 * 1024) {
      if (!stream.send(data.subarray(at, at + 16 * 1024))) {
        await new Promise<void>(resolve => { stream.addEventListener('drain', () => { resolve() }, { once: true }) })
      }
    }
    await all
    const joined = new Uint8Array(got)
    let at = 0
    for (const c of chunks) { joined.set(c, at); at += c.byteLength }
    expect(got).toBe(total)
    expect(joined.every((v, i) => v === i % 251)).toBe(true)
  })
})
