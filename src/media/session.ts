/**
 * Requester side of `/chatsphere/media/1.0.0` with one peer: asks for a file from the first chunk we lack, checks
 * the header's chunk hash list against the message's root, then every chunk (decrypts with the file key at its
 * index, AES-256-GCM when the header says so else secretbox, SHA-256 equal to its listed hash, right length)
 * before it is stored. Anything wrong ends the stream with a
 * reset and a typed {@link SessionFailure}; what was verified stays stored.
 */
import { MEDIA_ACK_EVERY } from '../constants.ts'
import { bytesEqual } from '../crypto/encoding.ts'
import { MediaChannel } from './channel.ts'
import { T_ABSENT, T_ACK, T_CHUNK, T_HEADER, T_REQUEST, HASH_BYTES } from './codec.ts'
import { aeadChunkKey, chunkCount, chunkLength, hashListRoot, mediaProof, openChunk, openChunkAead, sha256Native } from './crypto.ts'
import type { FetchAttempt, FileBody, MediaWriter } from './types.ts'
import type { Stream } from '@libp2p/interface'

/** Why a session with one peer ended without the whole file. */
export class SessionFailure extends Error {
  readonly reason: FetchAttempt['reason']
  constructor (reason: FetchAttempt['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SessionFailure'
    this.reason = reason
  }
}

export interface SessionInit {
  stream: Stream
  file: FileBody
  roomId: Uint8Array
  messageId: Uint8Array
  proofKey: Uint8Array
  localPeer: string
  remotePeer: string
  writer: MediaWriter
  /** The verified chunk hash list if we have it (resume), else the header's is checked against `file.root`. */
  hashes?: Uint8Array[]
  /** Called once with the header's list after it verified (to store it). */
  onHashes: (hashes: Uint8Array[]) => Promise<void>
  /** Called after each stored chunk with the number of chunks now held. */
  onChunk: (have: number) => void
  signal?: AbortSignal
  /** Ask for AES-256-GCM chunks (default true; false: secretbox chunks only, as requesters before it). */
  aead?: boolean
}

/**
 * Runs one session until the file is complete in the writer, or throws SessionFailure (`not-held` also after a
 * prefix holder sent its part: the verified chunks stay in the writer for the next peer).
 */
export async function runSession (init: SessionInit): Promise<void> {
  const { file, writer } = init
  const n = chunkCount(file.size)
  const ch = new MediaChannel(init.stream, init.signal != null ? { signal: init.signal } : {})
  const fail = (reason: FetchAttempt['reason'], message: string, cause?: unknown): never => {
    ch.reset(message)
    throw new SessionFailure(reason, message, { cause })
  }
  const from = writer.have
  try {
    await ch.write({ t: T_REQUEST, room: init.roomId, msg: init.messageId, from, proof: mediaProof(init.proofKey, init.messageId, init.localPeer, init.remotePeer), partial: true, aead: init.aead !== false })
  } catch (err) {
    fail('interrupted', `request not sent: ${(err as Error).message}`, err)
  }
  let hashes = init.hashes
  const first = await readOr(ch, [T_HEADER, T_ABSENT], 'refused', fail)
  if (first.t === T_ABSENT) {
    await init.stream.close().catch(() => {})
    throw new SessionFailure('not-held', 'the peer does not hold the whole file')
  }
  if (first.t !== T_HEADER) return fail('bad-chunk', 'expected a header')
  if (first.hashes.length !== n) fail('bad-chunk', `header lists ${first.hashes.length} chunks, the file has ${n}`)
  // A prefix holder sends chunks up to `held`; one that offers nothing past what we have broke the protocol.
  const end = first.held ?? n
  if (end <= from) fail('bad-chunk', `the peer offers chunks up to ${end}, we asked from ${from}`)
  // A server that predates AES-GCM chunks ignores the request's flag and sends secretboxes (its header has no `a`).
  if (first.aead === true && init.aead === false) fail('bad-chunk', 'AES-GCM chunks were not asked for')
  const aeadKey = first.aead === true ? await aeadChunkKey(file.key) : undefined
  if (hashes == null) {
    if (file.root == null || !bytesEqual(await hashListRoot(first.hashes), file.root)) fail('bad-chunk', 'chunk hash list does not match the file message')
    hashes = first.hashes
    await init.onHashes(hashes)
  }
  let sinceAck = 0
  for (let i = from; i < end; i++) {
    const m = await readOr(ch, [T_CHUNK], 'interrupted', fail)
    if (m.t !== T_CHUNK || m.i !== i) return fail('bad-chunk', `expected chunk ${i}`)
    let plain: Uint8Array
    try {
      plain = aeadKey != null ? await openChunkAead(m.c, i, aeadKey) : openChunk(m.c, i, file.key)
    } catch (err) {
      return fail('bad-chunk', `chunk ${i} does not open with the file key`, err)
    }
    const want = hashes[i] as Uint8Array
    if (plain.length !== chunkLength(file.size, i) || want.length !== HASH_BYTES || !bytesEqual(await sha256Native(plain), want)) {
      fail('bad-chunk', `chunk ${i} does not match its hash`)
    }
    await writer.append(plain)
    init.onChunk(i + 1)
    if (++sinceAck >= MEDIA_ACK_EVERY || i === end - 1) {
      sinceAck = 0
      try {
        await ch.write({ t: T_ACK, n: i + 1 })
      } catch (err) {
        if (i < end - 1) fail('interrupted', `ack not sent: ${(err as Error).message}`, err)
      }
    }
  }
  await init.stream.close().catch(() => {})
  if (end < n) throw new SessionFailure('not-held', `the peer held chunks up to ${end} of ${n} (kept)`)
}

async function readOr (ch: MediaChannel, expect: number[], onStreamError: FetchAttempt['reason'], fail: (r: FetchAttempt['reason'], m: string, c?: unknown) => never): ReturnType<MediaChannel['read']> {
  try {
    return await ch.read(expect)
  } catch (err) {
    const e = err as Error & { cause?: Error }
    if (e.name === 'MediaProtocolError') {
      const timedOut = e.cause?.message === 'idle timeout'
      return fail(timedOut ? 'timeout' : onStreamError, e.message, err)
    }
    // MalformedError / OversizedError: the peer broke the protocol.
    return fail('bad-chunk', `bad media message: ${e.message}`, err)
  }
}
