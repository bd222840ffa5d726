/**
 * Browser side of the media harness (tests and bench P9): the core's `createChat` running in a page, without the web
 * app's UI, so a test can look at the connection a transfer used. Also a plain RTCDataChannel pair (signalled by the
 * test through Node) to measure the raw data-channel rate beside ChatSphere's. Exposed as `window.csHarness`.
 */
import { createChat } from '../../../../src/chat/index.ts'
import { openStorage } from '../../../../src/storage/browser.ts'
import type { Chat, PeerPath } from '../../../../src/chat/types.ts'
import { createChatNode } from '#libp2p-node'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { ChatNode } from '../../../../src/net/node-types.ts'
import { chatGossipsub } from '../../../../src/net/gossipsub-options.ts'
import { createLibp2p } from 'libp2p'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'

/** Protocol of the bare libp2p stream measurement (bench only). */
const RAW_PROTOCOL = '/chatsphere-bench/raw/1.0.0'

let chat: Chat | undefined
let mic: MediaStream | undefined

function need (): Chat {
  if (chat === undefined) throw new Error('call start() first')
  return chat
}

async function sha256Hex (bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function randomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let off = 0; off < n; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)))
  return out
}

const now = (): number => performance.timeOrigin + performance.now()

// ── raw RTCDataChannel ──────────────────────────────────────────────────────────────────────────────────────────
let pc: RTCPeerConnection | undefined
let channel: RTCDataChannel | undefined
let rawReceived: Promise<{ bytes: number, firstAt: number, lastAt: number }> | undefined

async function gathered (p: RTCPeerConnection): Promise<void> {
  if (p.iceGatheringState === 'complete') return
  await new Promise<void>((resolve) => {
    p.addEventListener('icegatheringstatechange', () => { if (p.iceGatheringState === 'complete') resolve() })
  })
}

function expectRaw (total: number): void {
  rawReceived = new Promise((resolve) => {
    const onChannel = (ch: RTCDataChannel): void => {
      ch.binaryType = 'arraybuffer'
      let bytes = 0
      let firstAt = 0
      ch.addEventListener('message', (e) => {
        if (firstAt === 0) firstAt = now()
        bytes += (e.data as ArrayBuffer).byteLength
        if (bytes >= total) resolve({ bytes, firstAt, lastAt: now() })
      })
    }
    pc?.addEventListener('datachannel', (e) => { onChannel(e.channel) })
  })
}

// ── bare libp2p node: one stream over the direct WebRTC connection (no ChatSphere protocol) ─────────────────────
/** The browser chat node's transports, with a different WebRTC data-channel message size. */
async function bareNode (maxMessageSize: number): Promise<ChatNode> {
  return await createLibp2p({
    start: false,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] }, dataChannel: { maxMessageSize } })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionManager: { addressDialTimeout: 20_000 },
    services: { identify: identify(), ping: ping(), pubsub: chatGossipsub() }
  }) as unknown as ChatNode
}

let p2p: ChatNode | undefined
let p2pReceived: Promise<{ bytes: number, lastAt: number }> | undefined

const harness = {
  /**
   * Starts a bare libp2p node (the chat's transports) with a reservation on the relay; returns its peer id. With
   * `maxMessageSize`, the WebRTC transport sends data-channel messages up to that size instead of libp2p's 16 KiB
   * (an experiment of the benchmark; receivers of js-libp2p accept larger ones).
   */
  async p2pStart (relay: string, maxMessageSize?: number): Promise<string> {
    mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
    await p2p?.stop()
    const node = maxMessageSize === undefined ? await createChatNode({}) : await bareNode(maxMessageSize)
    p2p = node
    await node.handle(RAW_PROTOCOL, async (stream) => {
      // First message: the byte count (decimal text), then the data.
      p2pReceived = (async () => {
        const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
        const total = Number(new TextDecoder().decode((await lp.read()).subarray()))
        let bytes = 0
        while (bytes < total) bytes += (await lp.read()).byteLength
        const lastAt = now()
        await stream.close().catch(() => {})
        return { bytes, lastAt }
      })()
      p2pReceived.catch(() => {})
    })
    await node.start()
    await node.dial(multiaddr(relay))
    const deadline = Date.now() + 20_000
    while (!node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))) {
      if (Date.now() > deadline) throw new Error('no relay reservation')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return node.peerId.toString()
  },
  /** Dials `peer` over WebRTC through the relay; returns the remote address of the connection. */
  async p2pDial (peer: string, relayPeer: string): Promise<string> {
    if (p2p === undefined) throw new Error('no node')
    // libp2p's default dial timeout is short for a WebRTC set-up on a loaded machine: allow more, and retry.
    let last: unknown
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const conn = await p2p.dial(multiaddr(`/p2p/${relayPeer}/p2p-circuit/webrtc/p2p/${peer}`), { signal: AbortSignal.timeout(30_000) })
        return conn.remoteAddr.toString()
      } catch (err) { last = err }
    }
    throw last instanceof Error ? last : new Error(String(last))
  },
  /** Sends `total` bytes as `chunk`-byte length-prefixed messages on one stream to `peer`; returns the start time. */
  async p2pSend (peer: string, total: number, chunk: number): Promise<{ startedAt: number, remoteAddr: string, limited: boolean }> {
    if (p2p === undefined) throw new Error('no node')
    const stream = await p2p.dialProtocol(peerIdFromString(peer), RAW_PROTOCOL)
    const conn = p2p.getConnections(peerIdFromString(peer)).find((c) => c.streams.includes(stream))
    const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
    const data = randomBytes(chunk)
    const startedAt = now()
    await lp.write(new TextEncoder().encode(String(total)))
    for (let sent = 0; sent < total; sent += chunk) await lp.write(data.subarray(0, Math.min(chunk, total - sent)))
    return { startedAt, remoteAddr: conn?.remoteAddr.toString() ?? '', limited: conn?.limits != null }
  },
  /** Waits for the bytes of the next bench stream (call with p2pSend on the other side). */
  async p2pReceive (): Promise<{ bytes: number, lastAt: number }> {
    const deadline = Date.now() + 30_000
    while (p2pReceived === undefined) {
      if (Date.now() > deadline) throw new Error('no stream')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const r = await p2pReceived
    p2pReceived = undefined
    return r
  },
  /** Starts a chat peer on a fresh IndexedDB database, connected to the relay (a multiaddr). */
  async start (relay: string, name: string): Promise<{ peerId: string, userId: string }> {
    // Headless Chromium gathers no loopback ICE candidate without a media capture (test harness only).
    mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
    const storage = await openStorage({ name: `harness-${name}-${Math.random().toString(36).slice(2)}` })
    chat = await createChat({ storage, relays: [relay], displayName: name })
    if (!await chat.waitForRelay(20_000)) throw new Error('no relay')
    return { peerId: chat.peerId ?? '', userId: chat.user.userId }
  },
  async createRoom (name: string): Promise<{ id: string, invite: string }> {
    const r = await need().createRoom(name)
    return { id: r.id, invite: r.invite }
  },
  async joinRoom (invite: string): Promise<string> {
    return (await need().joinRoom(invite)).id
  },
  /** Resolves with the path to `peerId` once it is direct over WebRTC. */
  async waitDirect (peerId: string, timeoutMs: number): Promise<PeerPath> {
    const c = need()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const p = c.peerPaths().find((x) => x.peerId === peerId)
      if (p !== undefined && p.path === 'direct' && p.transport === 'webrtc') return p
      if (Date.now() > deadline) throw new Error(`not direct: ${JSON.stringify(c.peerPaths())}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  },
  /** Sends `size` random bytes as a file; returns the message id and the SHA-256 of the bytes. */
  async sendRandom (room: string, size: number, name = 'random.bin'): Promise<{ id: string, sha256: string }> {
    const bytes = randomBytes(size)
    const sent = await need().sendFile(room, { name, mime: 'application/octet-stream', bytes })
    return { id: sent.id, sha256: await sha256Hex(bytes) }
  },
  /** Waits for a file message with this id to be in the room. */
  async waitMessage (room: string, id: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!need().messages(room).some((m) => m.id === id)) {
      if (Date.now() > deadline) throw new Error(`message ${id} not here`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  },
  /** Fetches a file; returns timing, hash, the path and peer from progress, and the connections to that peer. */
  async fetch (room: string, id: string, allowRelayed = false): Promise<{ ms: number, size: number, sha256: string, path?: string, peerId?: string, connections: Array<{ transport: string, path: string, remoteAddr: string }> }> {
    const c = need()
    let path: string | undefined
    let peerId: string | undefined
    const t0 = performance.now()
    const bytes = await c.fetchFile(room, id, { allowRelayed, onProgress: (p) => { path = p.path; peerId = p.peerId } })
    const ms = performance.now() - t0
    const connections = c.connections().filter((x) => x.peerId === peerId).map((x) => ({ transport: x.transport, path: x.path, remoteAddr: x.remoteAddr }))
    const out: { ms: number, size: number, sha256: string, path?: string, peerId?: string, connections: typeof connections } = { ms, size: bytes.length, sha256: await sha256Hex(bytes), connections }
    if (path !== undefined) out.path = path
    if (peerId !== undefined) out.peerId = peerId
    return out
  },
  /** This peer's connections to `peerId`. */
  connectionsTo (peerId: string): Array<{ transport: string, path: string, remoteAddr: string }> {
    return need().connections().filter((x) => x.peerId === peerId).map((x) => ({ transport: x.transport, path: x.path, remoteAddr: x.remoteAddr }))
  },
  async close (): Promise<void> {
    await chat?.close()
    chat = undefined
    pc?.close()
    await p2p?.stop()
    p2p = undefined
  },

  // Raw data channel: offer (sender side) → answer (receiver side) → accept (sender side), no trickle.
  async rawOffer (): Promise<string> {
    mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
    pc = new RTCPeerConnection({ iceServers: [] })
    channel = pc.createDataChannel('raw', { ordered: true })
    channel.binaryType = 'arraybuffer'
    await pc.setLocalDescription(await pc.createOffer())
    await gathered(pc)
    return JSON.stringify(pc.localDescription)
  },
  async rawAnswer (offer: string, total: number): Promise<string> {
    mic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
    pc = new RTCPeerConnection({ iceServers: [] })
    expectRaw(total)
    await pc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit)
    await pc.setLocalDescription(await pc.createAnswer())
    await gathered(pc)
    return JSON.stringify(pc.localDescription)
  },
  async rawAccept (answer: string): Promise<void> {
    if (pc === undefined || channel === undefined) throw new Error('no offer')
    await pc.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit)
    const ch = channel
    if (ch.readyState !== 'open') await new Promise((resolve) => { ch.addEventListener('open', resolve, { once: true }) })
  },
  /** Sends `total` bytes in `chunk`-byte messages with back-pressure; returns the time the first one was queued. */
  async rawSend (total: number, chunk: number): Promise<number> {
    const ch = channel
    if (ch === undefined) throw new Error('no channel')
    const data = randomBytes(chunk)
    const high = 4 * 1024 * 1024
    ch.bufferedAmountLowThreshold = 1024 * 1024
    const startedAt = now()
    for (let sent = 0; sent < total; sent += chunk) {
      if (ch.bufferedAmount > high) await new Promise((resolve) => { ch.addEventListener('bufferedamountlow', resolve, { once: true }) })
      ch.send(data.subarray(0, Math.min(chunk, total - sent)) as Uint8Array<ArrayBuffer>)
    }
    return startedAt
  },
  async rawReceived (): Promise<{ bytes: number, firstAt: number, lastAt: number }> {
    if (rawReceived === undefined) throw new Error('not expecting')
    return await rawReceived
  }
}

;(window as unknown as { csHarness: typeof harness }).csHarness = harness
export type Harness = typeof harness
