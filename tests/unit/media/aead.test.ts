/**
 * AES-256-GCM media chunks (request `a`, header `a`): the codec flags, the cipher, and sessions over a real stream
 * pair between the real server and requester, including both older peers (secretbox only) on either side.
 */
import { lpStream, streamPair } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { MEDIA_CHUNK_BYTES } from '../../../src/constants.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { aeadChunkMessage, sealedChunkMessage } from '../../../src/media/chunk-seal.ts'
import { decodeMediaMessage, encodeMediaMessage, T_ACK, T_CHUNK, T_HEADER, T_REQUEST } from '../../../src/media/codec.ts'
import { aeadChunkKey, chunkCount, chunkHashes, hashListRoot, mediaProofKey, openChunkAead, sealChunkAead, sha256Native } from '../../../src/media/crypto.ts'
import { serveMedia } from '../../../src/media/server.ts'
import { runSession, SessionFailure } from '../../../src/media/session.ts'
import { metaMediaStore } from '../../../src/media/store-meta.ts'
import { toHex } from '../../../src/crypto/encoding.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { MediaRequest } from '../../../src/media/codec.ts'
import type { FileBody, MediaStore } from '../../../src/media/types.ts'

const errorName = (f: () => unknown): string => { try { f(); return 'none' } catch (err) { return (err as Error).name } }

describe('AES-GCM chunk flags', () => {
  it('round-trip in request and header; absent means secretbox; any value but 1 is refused', () => {
    const req = { t: T_REQUEST, room: randomBytes(32), msg: randomBytes(16), from: 0, proof: randomBytes(32), partial: true, aead: true } as const
    const got = decodeMediaMessage(encodeMediaMessage(req), [T_REQUEST]) as MediaRequest
    expect(got.aead).toBe(true)
    expect(got.partial).toBe(true)
    expect(decodeMediaMessage(encodeMediaMessage({ ...req, aead: false }), [T_REQUEST])).not.toHaveProperty('aead')
    const hashes = [randomBytes(32), randomBytes(32)]
    expect(decodeMediaMessage(encodeMediaMessage({ t: T_HEADER, hashes, aead: true }), [T_HEADER])).toMatchObject({ aead: true })
    expect(decodeMediaMessage(encodeMediaMessage({ t: T_HEADER, hashes }), [T_HEADER])).not.toHaveProperty('aead')
    for (const a of [0, 2, true, 'x', new Uint8Array(1)]) {
      expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_HEADER, n: 0, hashes: new Uint8Array(0), a }), [T_HEADER]))).toBe('MalformedError')
      expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_REQUEST, room: req.room, msg: req.msg, from: 0, proof: req.proof, a }), [T_REQUEST]))).toBe('MalformedError')
    }
  })
})

describe('AES-GCM chunks', () => {
  it('open only with the file key at their index, untampered; same length as a secretbox', async () => {
    const fileKey = randomBytes(32)
    const key = await aeadChunkKey(fileKey)
    const plain = randomBytes(MEDIA_CHUNK_BYTES)
    const sealed = await sealChunkAead(plain, 7, key)
    expect(sealed.length).toBe(plain.length + 16)
    expect(Buffer.from(await openChunkAead(sealed, 7, key)).equals(Buffer.from(plain))).toBe(true)
    await expect(openChunkAead(sealed, 8, key)).rejects.toMatchObject({ name: 'DecryptionError' })
    await expect(openChunkAead(sealed, 7, await aeadChunkKey(randomBytes(32)))).rejects.toMatchObject({ name: 'DecryptionError' })
    const bad = sealed.slice()
    bad[100] = (bad[100] as number) ^ 1
    await expect(openChunkAead(bad, 7, key)).rejects.toMatchObject({ name: 'DecryptionError' })
    await expect(openChunkAead(new Uint8Array(5), 7, key)).rejects.toMatchObject({ name: 'DecryptionError' })
    // The wire message is an ordinary chunk message whose `c` opens.
    const m = decodeMediaMessage(await aeadChunkMessage(plain, 7, key), [T_CHUNK])
    expect(m.t === T_CHUNK && m.i === 7 && Buffer.from(await openChunkAead(m.c, 7, key)).equals(Buffer.from(plain))).toBe(true)
  })
})

/** A stored file and what a requester needs to ask for it. */
async function fixture (size: number): Promise<{ bytes: Uint8Array, file: FileBody, store: MediaStore, proofKey: Uint8Array, roomId: Uint8Array, messageId: Uint8Array }> {
  const bytes = randomBytes(size)
  const hashes = await chunkHashes(bytes)
  const file: FileBody = { k: 'file', name: 'f.bin', mime: 'application/octet-stream', size, hash: await sha256Native(bytes), key: randomBytes(32), root: await hashListRoot(hashes) }
  const store = metaMediaStore(memoryStorage())
  const w = await store.writer(toHex(file.hash), size, MEDIA_CHUNK_BYTES)
  const all = new Uint8Array(hashes.length * 32)
  hashes.forEach((h, i) => { all.set(h, i * 32) })
  await store.saveHashes(toHex(file.hash), all)
  for (let i = 0; i < hashes.length; i++) await w.append(bytes.subarray(i * MEDIA_CHUNK_BYTES, (i + 1) * MEDIA_CHUNK_BYTES))
  await w.complete()
  await w.close()
  return { bytes, file, store, proofKey: mediaProofKey(randomBytes(32)), roomId: randomBytes(32), messageId: randomBytes(16) }
}

/** Fetches the file from `serve` (run on the other end of a stream pair); returns the bytes gathered. */
async function fetchOver (f: Awaited<ReturnType<typeof fixture>>, serve: (stream: Awaited<ReturnType<typeof streamPair>>[1]) => Promise<void>, aead?: boolean): Promise<Uint8Array> {
  const [a, b] = await streamPair()
  const serving = serve(b)
  const into = metaMediaStore(memoryStorage())
  const writer = await into.writer(toHex(f.file.hash), f.file.size, MEDIA_CHUNK_BYTES)
  const out = new Uint8Array(f.file.size)
  const gathering = { get have () { return writer.have }, append: async (c: Uint8Array) => { out.set(c, writer.have * MEDIA_CHUNK_BYTES); await writer.append(c) }, flush: async () => { await writer.flush() }, complete: async () => { await writer.complete() }, close: async () => { await writer.close() } }
  try {
    await runSession({
      stream: a, file: f.file, roomId: f.roomId, messageId: f.messageId, proofKey: f.proofKey, localPeer: 'R', remotePeer: 'S', writer: gathering,
      onHashes: async () => {}, onChunk: () => {}, ...(aead !== undefined ? { aead } : {})
    })
  } finally {
    await writer.close()
    await serving
  }
  return out
}

const realServer = (f: Awaited<ReturnType<typeof fixture>>) => async (stream: Awaited<ReturnType<typeof streamPair>>[1]): Promise<void> => {
  await serveMedia(stream, 'R', { store: f.store, localPeer: () => 'S', proofKey: () => f.proofKey, fileMessage: () => f.file, drop: () => {} })
}

/** A server as before AES-GCM chunks: ignores the request's `a`, header without it, secretbox chunks. */
const olderServer = (f: Awaited<ReturnType<typeof fixture>>, aeadAnyway = false) => async (stream: Awaited<ReturnType<typeof streamPair>>[1]): Promise<void> => {
  const lp = lpStream(stream)
  try {
    const req = decodeMediaMessage((await lp.read()).subarray(), [T_REQUEST]) as MediaRequest
    const n = chunkCount(f.file.size)
    const hashes = await chunkHashes(f.bytes)
    await lp.write(encodeMediaMessage({ t: T_HEADER, hashes, ...(aeadAnyway ? { aead: true } : {}) }))
    const key = await aeadChunkKey(f.file.key)
    for (let i = req.from; i < n; i++) {
      const plain = f.bytes.subarray(i * MEDIA_CHUNK_BYTES, (i + 1) * MEDIA_CHUNK_BYTES)
      await lp.write(aeadAnyway ? await aeadChunkMessage(plain, i, key) : sealedChunkMessage(plain, i, f.file.key))
    }
    for (let acked = 0; acked < n;) { const m = decodeMediaMessage((await lp.read()).subarray(), [T_ACK]); if (m.t === T_ACK) acked = m.n }
    await stream.close()
  } catch { stream.abort(new Error('done')) }
}

describe('sessions, AES-GCM and secretbox', () => {
  const size = 5 * MEDIA_CHUNK_BYTES + 1234

  it('a new requester and a new server use AES-GCM; the file arrives whole', async () => {
    const f = await fixture(size)
    let header: unknown
    const spy = async (stream: Awaited<ReturnType<typeof streamPair>>[1]): Promise<void> => {
      // Watch the server's first message on its way out (the header): it says AES-GCM.
      const send = stream.send.bind(stream)
      stream.send = (data) => { if (header === undefined) header = data; return send(data) }
      await realServer(f)(stream)
    }
    expect(Buffer.from(await fetchOver(f, spy)).equals(Buffer.from(f.bytes))).toBe(true)
    const raw = header instanceof Uint8Array ? header : (header as { subarray: () => Uint8Array }).subarray()
    const lpHead = raw[0] as number < 0x80 ? 1 : raw[1] as number < 0x80 ? 2 : 3
    expect(decodeMediaMessage(raw.subarray(lpHead), [T_HEADER])).toMatchObject({ aead: true })
  })

  it('an older requester (no `a`) gets secretbox chunks from a new server', async () => {
    const f = await fixture(size)
    expect(Buffer.from(await fetchOver(f, realServer(f), false)).equals(Buffer.from(f.bytes))).toBe(true)
  })

  it('a new requester fetches from an older server (secretbox chunks)', async () => {
    const f = await fixture(size)
    expect(Buffer.from(await fetchOver(f, olderServer(f))).equals(Buffer.from(f.bytes))).toBe(true)
  })

  it('a server that sends AES-GCM chunks to a requester that did not ask is refused', async () => {
    const f = await fixture(size)
    await expect(fetchOver(f, olderServer(f, true), false)).rejects.toSatisfy((e: unknown) => e instanceof SessionFailure && e.reason === 'bad-chunk')
  })
})
