/**
 * Media transfer between Node peers (in this process, real libp2p, data dirs) through a real relay process: a
 * several-MiB file byte-identical over the relayed path, cancel and resume, resume after the sender's connection
 * drops, a peer serving a corrupted chunk is dropped and the file completes from another holder, a request
 * without a valid room proof is refused, and the size limit.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createChatNode } from '#libp2p-node'
import { createChat } from '../../src/index.ts'
import { MEDIA_CHUNK_BYTES, MEDIA_PROTOCOL } from '../../src/constants.ts'
import { encodeMediaMessage, T_REQUEST } from '../../src/media/codec.ts'
import { metaMediaStore } from '../../src/media/store-meta.ts'
import { fromHex } from '../../src/crypto/encoding.ts'
import { memoryStorage } from '../unit/chat/support/memory-storage.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat, ChatEvents, FetchProgress, MediaStore } from '../../src/index.ts'
import type { RelayProc } from './support/processes.ts'

/** Loopback TCP plus a relay reservation (members reach each other through the relay's circuit). */
const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] }
const MiB = 1024 * 1024

async function next<K extends keyof ChatEvents> (chat: Chat, type: K, test: (d: ChatEvents[K]['detail']) => boolean, timeoutMs = 20_000): Promise<ChatEvents[K]['detail']> {
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { chat.removeEventListener(type, on as never); reject(new Error(`no ${String(type)} event in time`)) }, timeoutMs)
    const on = (e: ChatEvents[K]): void => {
      if (!test(e.detail)) return
      clearTimeout(timer)
      chat.removeEventListener(type, on as never)
      resolve(e.detail)
    }
    chat.addEventListener(type, on as never)
  })
}

/** Resolves once `chat` has the message `id` of `room` (through live gossip or sync). */
async function hasMessage (chat: Chat, room: string, id: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!chat.messages(room).some(m => m.id === id)) {
    if (Date.now() > end) throw new Error(`message ${id} did not arrive`)
    await Promise.race([next(chat, 'change', d => d.room === room, 1000).catch(() => {}), next(chat, 'sync', d => d.room === room, 1000).catch(() => {})])
  }
}

async function peer (name: string, relay: RelayProc, extra: Record<string, unknown> = {}, dataDir?: string): Promise<Chat> {
  const chat = await createChat({ dataDir: dataDir ?? await tempDir(`cs-media-${name}-`), relays: [relay.url], displayName: name, ...NET, ...extra })
  expect(await chat.waitForRelay(15_000)).toBe(true)
  return chat
}

/** A real store whose reads of one chunk come back with a flipped byte while `corrupt` is on (a failing disk). */
function corruptible (inner: MediaStore, index: number): MediaStore & { corrupt: boolean } {
  const s = {
    corrupt: false,
    state: async (h: string) => await inner.state(h),
    writer: async (h: string, size: number, cb: number) => await inner.writer(h, size, cb),
    saveHashes: async (h: string, l: Uint8Array) => { await inner.saveHashes(h, l) },
    loadHashes: async (h: string) => await inner.loadHashes(h),
    readChunk: async (h: string, i: number) => {
      const c = await inner.readChunk(h, i)
      if (!s.corrupt || i !== index) return c
      const bad = Uint8Array.from(c)
      bad[7] = (bad[7] as number) ^ 0x40
      return bad
    },
    close: async () => { await inner.close() }
  }
  return s
}

function same (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b))
}

describe('media transfer through a relay process', () => {
  let relay: RelayProc
  let ana: Chat
  let ben: Chat
  let room: string
  let invite: string
  const open: Chat[] = []

  beforeAll(async () => {
    relay = await startRelayProc()
    // Ana and Ben take no TCP listener, so every transfer between them goes through the relay process's circuit
    // (others in this suite listen on TCP too and may end up with direct connections: both paths are exercised).
    ana = await peer('ana', relay, { listen: ['/p2p-circuit'] })
    ben = await peer('ben', relay, { listen: ['/p2p-circuit'] })
    open.push(ana, ben)
    const r = await ana.createRoom('media')
    room = r.id
    invite = r.invite
    await ben.joinRoom(invite)
  }, 60_000)

  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {})
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('sends 6 MiB and the receiver gets it byte-identical over the relayed path, with progress', async () => {
    const bytes = new Uint8Array(randomBytes(6 * MiB + 123))
    const sent = await ana.sendFile(room, { name: 'big.bin', mime: 'application/octet-stream', bytes })
    await hasMessage(ben, room, sent.id)
    const info = await ben.mediaFile(room, sent.id)
    expect(info).toMatchObject({ name: 'big.bin', size: bytes.length, local: 'none', senderPeerId: ana.peerId })
    const progress: FetchProgress[] = []
    const t0 = performance.now()
    const got = await ben.fetchFile(room, sent.id, { onProgress: p => progress.push(p) })
    const ms = performance.now() - t0
    expect(got.length).toBe(bytes.length)
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true)
    expect(progress.at(-1)).toMatchObject({ bytes: bytes.length, total: bytes.length, etaMs: 0, path: 'relayed', peerId: ana.peerId })
    for (let i = 1; i < progress.length; i++) expect((progress[i] as FetchProgress).bytes).toBeGreaterThanOrEqual((progress[i - 1] as FetchProgress).bytes)
    expect((await ben.mediaFile(room, sent.id)).local).toBe('complete')
    // Second fetch: from the local store.
    const again: FetchProgress[] = []
    expect(Buffer.from(await ben.fetchFile(room, sent.id, { onProgress: p => again.push(p) })).equals(Buffer.from(bytes))).toBe(true)
    expect(again.at(-1)?.path).toBe('local')
    console.log(`[media] ${(bytes.length / MiB).toFixed(1)} MiB relayed Node↔Node in ${ms.toFixed(0)} ms = ${(bytes.length / MiB / (ms / 1000)).toFixed(1)} MiB/s (noisy shared machine)`)
  }, 60_000)

  it('cancel keeps the verified chunks; the next fetch resumes from the last good chunk', async () => {
    const bytes = new Uint8Array(randomBytes(4 * MiB))
    const sent = await ana.sendFile(room, { name: 'resume.bin', mime: 'application/octet-stream', bytes })
    await hasMessage(ben, room, sent.id)
    const ac = new AbortController()
    let stoppedAt = 0
    const err = await ben.fetchFile(room, sent.id, {
      signal: ac.signal,
      onProgress: p => { if (p.bytes >= MiB && !ac.signal.aborted) { stoppedAt = p.bytes; ac.abort() } }
    }).catch((e: unknown) => e as Error)
    expect((err as Error).name).toBe('TransferCancelledError')
    const info = await ben.mediaFile(room, sent.id)
    expect(info.local).toBe('partial')
    expect(info.localBytes).toBeGreaterThan(0)
    expect(info.localBytes).toBeLessThan(bytes.length)
    const progress: FetchProgress[] = []
    const got = await ben.fetchFile(room, sent.id, { onProgress: p => progress.push(p) })
    expect(same(got, bytes)).toBe(true)
    // The first report of the resumed fetch already counts what the cancelled one verified.
    expect(progress[0]?.bytes).toBe(info.localBytes)
    expect(info.localBytes).toBeGreaterThanOrEqual(stoppedAt - 16 * MEDIA_CHUNK_BYTES)
  }, 60_000)

  it("resumes after the sender's connection drops mid-transfer (sender back later with the same data dir)", async () => {
    const dir = await tempDir('cs-media-dee-')
    let dee = await peer('dee', relay, {}, dir)
    await dee.joinRoom(invite)
    const bytes = new Uint8Array(randomBytes(8 * MiB))
    const sent = await dee.sendFile(room, { name: 'drop.bin', mime: 'application/octet-stream', bytes })
    await hasMessage(ben, room, sent.id)
    let closing: Promise<void> | undefined
    const err = await ben.fetchFile(room, sent.id, {
      onProgress: p => { if (p.bytes >= 2 * MiB && closing == null) closing = dee.close() }
    }).catch((e: unknown) => e as Error & { attempts?: Array<{ reason: string }> })
    await closing
    expect((err as Error).name).toBe('MediaUnavailableError')
    expect((err as Error).message).toMatch(/kept for a resume/)
    const partial = await ben.mediaFile(room, sent.id)
    expect(partial.local).toBe('partial')
    dee = await peer('dee', relay, {}, dir)
    open.push(dee)
    await dee.waitForRelaySync(room, 15_000)
    const progress: FetchProgress[] = []
    const got = await ben.fetchFile(room, sent.id, { onProgress: p => progress.push(p) })
    expect(same(got, bytes)).toBe(true)
    expect(progress[0]?.bytes).toBe(partial.localBytes)
    expect(progress[0]?.bytes).toBeGreaterThan(0)
  }, 90_000)

  it('a peer that serves a corrupted chunk is dropped and counted; the file completes from another holder', async () => {
    const store = corruptible(metaMediaStore(memoryStorage()), 5)
    const cy = await peer('cy', relay, { mediaStore: store })
    const eve = await peer('eve', relay)
    open.push(cy, eve)
    await cy.joinRoom(invite)
    await eve.joinRoom(invite)
    const bytes = new Uint8Array(randomBytes(MiB + 77))
    const sent = await cy.sendFile(room, { name: 'photo.jpg', mime: 'image/jpeg', bytes, preview: new Uint8Array([1, 2, 3]) })
    await hasMessage(ben, room, sent.id)
    expect(same(await ben.fetchFile(room, sent.id), bytes)).toBe(true)
    store.corrupt = true
    await hasMessage(eve, room, sent.id)
    const progress: FetchProgress[] = []
    const got = await eve.fetchFile(room, sent.id, { onProgress: p => progress.push(p) })
    expect(same(got, bytes)).toBe(true)
    expect(eve.dropped()['media-bad-chunk']).toBe(1)
    // Chunks before the bad one came from Cy (the sender, asked first), the rest from Ben.
    expect(progress.some(p => p.peerId === cy.peerId)).toBe(true)
    expect(progress.at(-1)?.peerId).toBe(ben.peerId)
    expect(progress.find(p => p.peerId === ben.peerId)?.bytes).toBe(5 * MEDIA_CHUNK_BYTES)
  }, 60_000)

  it('refuses a request without a valid room proof, and one that does not parse (stream reset, counted)', async () => {
    const bytes = new Uint8Array(randomBytes(200_000))
    const sent = await ana.sendFile(room, { name: 'secret.bin', mime: 'application/octet-stream', bytes })
    const node = await createChatNode({ mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
    await node.start()
    try {
      const relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
      await node.dial(multiaddr(relayAddr))
      const conn = await node.dial(multiaddr(`${relayAddr}/p2p-circuit/p2p/${ana.peerId as string}`))
      const before = ana.dropped()['media-unauthorized'] ?? 0
      const stream = await conn.newStream(MEDIA_PROTOCOL, { runOnLimitedConnection: true })
      const lp = lpStream(stream)
      await lp.write(encodeMediaMessage({ t: T_REQUEST, room: fromHex(room), msg: fromHex(sent.id), from: 0, proof: new Uint8Array(32).fill(7) }))
      await expect(lp.read({ signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
      expect(ana.dropped()['media-unauthorized']).toBe(before + 1)
      // Not even a request: reset and counted apart.
      const garbage = lpStream(await conn.newStream(MEDIA_PROTOCOL, { runOnLimitedConnection: true }))
      await garbage.write(new Uint8Array([0xff, 0x00, 0x13]))
      await expect(garbage.read({ signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
      expect(ana.dropped()['media-malformed']).toBe(1)
    } finally {
      await node.stop()
    }
  }, 60_000)

  it('enforces the maximum file size on send and on fetch, with a clear error', async () => {
    const small = await peer('fay', relay, { maxFileBytes: 100_000 })
    open.push(small)
    await small.joinRoom(invite)
    await expect(small.sendFile(room, { name: 'x.bin', mime: 'application/octet-stream', bytes: new Uint8Array(100_001) }))
      .rejects.toMatchObject({ name: 'OversizedError', message: expect.stringMatching(/100001 bytes; the limit is 100000 bytes/) })
    const sent = await ana.sendFile(room, { name: 'y.bin', mime: 'application/octet-stream', bytes: new Uint8Array(randomBytes(150_000)) })
    await hasMessage(small, room, sent.id)
    await expect(small.fetchFile(room, sent.id)).rejects.toMatchObject({ name: 'OversizedError' })
    await expect(small.fetchFile(room, '00'.repeat(16))).rejects.toMatchObject({ name: 'NotFoundError' })
  }, 60_000)
})

describe('media over a relay with small circuit limits', () => {
  let relay: RelayProc
  const open: Chat[] = []

  beforeAll(async () => { relay = await startRelayProc({ extra: ['--circuit-data', '1'] }) }, 60_000)
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {})
    await relay?.proc.stop()
  })

  it('uses the relayed path within the limits and refuses with a typed error (reason relay-limit) beyond them', async () => {
    // Neither takes a TCP listener: the relay's circuit is the only path between them.
    const gus = await peer('gus', relay, { listen: ['/p2p-circuit'] })
    const hal = await peer('hal', relay, { listen: ['/p2p-circuit'] })
    open.push(gus, hal)
    const r = await gus.createRoom('limits')
    await hal.joinRoom(r.invite)
    const fits = new Uint8Array(randomBytes(300_000))
    const small = await gus.sendFile(r.id, { name: 'small.bin', mime: 'application/octet-stream', bytes: fits })
    await hasMessage(hal, r.id, small.id)
    const progress: FetchProgress[] = []
    expect(same(await hal.fetchFile(r.id, small.id, { onProgress: p => progress.push(p) }), fits)).toBe(true)
    expect(progress.at(-1)?.path).toBe('relayed')
    const big = await gus.sendFile(r.id, { name: 'big.bin', mime: 'application/octet-stream', bytes: new Uint8Array(randomBytes(3 * MiB)) })
    await hasMessage(hal, r.id, big.id)
    const err = await hal.fetchFile(r.id, big.id).catch((e: unknown) => e as Error & { attempts: Array<{ reason: string, path?: string }> })
    expect(err).toMatchObject({ name: 'MediaUnavailableError' })
    expect((err as { attempts: Array<{ reason: string, path?: string }> }).attempts[0]).toMatchObject({ reason: 'relay-limit', path: 'relayed' })
    expect((err as Error).message).toMatch(/relay-limit/)
  }, 90_000)
})
