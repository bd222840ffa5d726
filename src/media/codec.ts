/**
 * Wire messages of the media protocol `/chatsphere/media/1.0.0` (PROTOCOL.md "Media protocol"). Each message is
 * one CBOR map in a varint length-prefixed frame; every decoder checks the version, the type, each field's type
 * and size against the limits before anything is kept, and throws MalformedError / OversizedError otherwise.
 *
 *   requester → request { v, t: 1, room (32 B room id), msg (16 B message id), from (chunk index), proof (32 B),
 *                         p? (1: a prefix of the file is welcome), a? (1: AES-256-GCM chunks welcome) }
 *   server    → header  { v, t: 2, n (chunk count), hashes (n × 32 B SHA-256 of the plaintext chunks),
 *                         h? (only chunks 0 … h − 1 are held: sent to a requester that set p),
 *                         a? (1: this session's chunks are AES-256-GCM, only to a requester that set a) }
 *             | absent  { v, t: 3 }                          (a member asked; we do not hold what it asked for)
 *   server    → chunk   { v, t: 4, i (index), c (secretbox of the plaintext chunk) }   for i = from … (h ?? n) − 1
 *   requester → ack     { v, t: 5, n (chunks received so far, absolute index) }       every MEDIA_ACK_EVERY chunks
 */
import {
  MAX_MEDIA_CHUNKS, MAX_MEDIA_MESSAGE_BYTES, MEDIA_CHUNK_BYTES, MEDIA_VERSION, MESSAGE_ID_BYTES, ROOM_ID_BYTES,
  SECRETBOX_OVERHEAD_BYTES
} from '../constants.ts'
import { MalformedError, OversizedError } from '../errors.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'

export const T_REQUEST = 1
export const T_HEADER = 2
export const T_ABSENT = 3
export const T_CHUNK = 4
export const T_ACK = 5

/** Bytes of a SHA-256 hash (content hash, chunk hashes, root) and of a request proof (HMAC-SHA256). */
export const HASH_BYTES = 32
/** Largest sealed chunk on the wire. */
export const MAX_SEALED_CHUNK_BYTES = MEDIA_CHUNK_BYTES + SECRETBOX_OVERHEAD_BYTES

export interface MediaRequest {
  t: typeof T_REQUEST, room: Uint8Array, msg: Uint8Array, from: number, proof: Uint8Array
  /** The requester takes a prefix of the file (servers that predate it ignore the field and send all or `absent`). */
  partial?: boolean
  /** The requester opens AES-256-GCM chunks (servers that predate it ignore the field and send secretboxes). */
  aead?: boolean
}
export interface MediaHeader {
  t: typeof T_HEADER, hashes: Uint8Array[]
  /** Chunks the server holds and sends (a prefix, fewer than `hashes.length`); absent when it holds the whole file. */
  held?: number
  /** The chunks that follow are AES-256-GCM (only to a request with `aead`); absent: secretboxes. */
  aead?: boolean
}
export interface MediaAbsent { t: typeof T_ABSENT }
export interface MediaChunk { t: typeof T_CHUNK, i: number, c: Uint8Array }
export interface MediaAck { t: typeof T_ACK, n: number }
export type MediaMessage = MediaRequest | MediaHeader | MediaAbsent | MediaChunk | MediaAck

function bytesField (m: Record<string, unknown>, key: string, exact?: number, max?: number): Uint8Array {
  const v = m[key]
  if (!(v instanceof Uint8Array)) throw new MalformedError(`media message field "${key}" must be bytes`)
  if (max !== undefined && v.length > max) throw new OversizedError(`media message field "${key}" exceeds ${max} bytes`)
  if (exact !== undefined && v.length !== exact) throw new MalformedError(`media message field "${key}" must be ${exact} bytes`)
  return v
}

function indexField (m: Record<string, unknown>, key: string, max: number): number {
  const v = m[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MalformedError(`media message field "${key}" must be a non-negative integer`)
  if (v > max) throw new OversizedError(`media message field "${key}" exceeds ${max}`)
  return v
}

/** An optional flag field: absent (false) or exactly 1 (true). */
function flagField (m: Record<string, unknown>, key: string): boolean {
  const v = m[key]
  if (v === undefined) return false
  if (v !== 1) throw new MalformedError(`media message field "${key}" must be 1`)
  return true
}

/** Encodes one media message (without its length prefix). */
export function encodeMediaMessage (m: MediaMessage): Uint8Array {
  switch (m.t) {
    case T_REQUEST: return encodeCbor({ v: MEDIA_VERSION, t: m.t, room: m.room, msg: m.msg, from: m.from, proof: m.proof, ...(m.partial === true ? { p: 1 } : {}), ...(m.aead === true ? { a: 1 } : {}) })
    case T_HEADER: {
      const all = new Uint8Array(m.hashes.length * HASH_BYTES)
      m.hashes.forEach((h, i) => { all.set(h, i * HASH_BYTES) })
      return encodeCbor({ v: MEDIA_VERSION, t: m.t, n: m.hashes.length, hashes: all, ...(m.held !== undefined ? { h: m.held } : {}), ...(m.aead === true ? { a: 1 } : {}) })
    }
    case T_ABSENT: return encodeCbor({ v: MEDIA_VERSION, t: m.t })
    case T_CHUNK: return encodeCbor({ v: MEDIA_VERSION, t: m.t, i: m.i, c: m.c })
    case T_ACK: return encodeCbor({ v: MEDIA_VERSION, t: m.t, n: m.n })
  }
}

/** CBOR head (major type `major`, argument `n`) as canonical encoders write it: the shortest form. */
function cborHead (major: number, n: number): number[] {
  const m = major << 5
  if (n < 24) return [m | n]
  if (n < 0x100) return [m | 24, n]
  if (n < 0x10000) return [m | 25, n >> 8, n & 0xff]
  if (n < 0x100000000) return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
  throw new OversizedError('media chunk field too large')
}

/**
 * A chunk message `{ v, t: 4, i, c }` with room for `c` (`sealedLength` bytes at `offset`), byte for byte what
 * encodeMediaMessage writes (canonical key order c, i, t, v): the sealer fills `c` in place, no CBOR pass over it.
 */
export function chunkMessageFrame (i: number, sealedLength: number): { bytes: Uint8Array, offset: number } {
  if (!Number.isSafeInteger(i) || i < 0 || i >= MAX_MEDIA_CHUNKS) throw new OversizedError('media chunk index out of range')
  if (!Number.isSafeInteger(sealedLength) || sealedLength < 0 || sealedLength > MAX_SEALED_CHUNK_BYTES) throw new OversizedError('sealed media chunk too large')
  const head = [0xa4, 0x61, 0x63, ...cborHead(2, sealedLength)]
  const tail = [0x61, 0x69, ...cborHead(0, i), 0x61, 0x74, ...cborHead(0, T_CHUNK), 0x61, 0x76, ...cborHead(0, MEDIA_VERSION)]
  const bytes = new Uint8Array(head.length + sealedLength + tail.length)
  bytes.set(head, 0)
  bytes.set(tail, head.length + sealedLength)
  return { bytes, offset: head.length }
}

/**
 * Decodes one media message. `expect` lists the types allowed at this point of the session (anything else is
 * MalformedError: a peer that sends a chunk before the header, or a request to a requester, is broken).
 */
export function decodeMediaMessage (bytes: Uint8Array, expect: readonly number[]): MediaMessage {
  const m = decodeCbor(bytes, { maxBytes: MAX_MEDIA_MESSAGE_BYTES, maxItems: 8, maxDepth: 1 })
  if (!isMap(m)) throw new MalformedError('media message must be a CBOR map')
  if (m.v !== MEDIA_VERSION) throw new MalformedError(`media message version ${String(m.v).slice(0, 16)} is not ${MEDIA_VERSION}`)
  const t = m.t
  if (typeof t !== 'number' || !expect.includes(t)) throw new MalformedError(`media message type ${String(t).slice(0, 16)} not expected here`)
  switch (t) {
    case T_REQUEST: {
      const req: MediaRequest = {
        t,
        room: bytesField(m, 'room', ROOM_ID_BYTES),
        msg: bytesField(m, 'msg', MESSAGE_ID_BYTES),
        from: indexField(m, 'from', MAX_MEDIA_CHUNKS),
        proof: bytesField(m, 'proof', HASH_BYTES)
      }
      if (flagField(m, 'p')) req.partial = true
      if (flagField(m, 'a')) req.aead = true
      return req
    }
    case T_HEADER: {
      const n = indexField(m, 'n', MAX_MEDIA_CHUNKS)
      const all = bytesField(m, 'hashes', n * HASH_BYTES, MAX_MEDIA_CHUNKS * HASH_BYTES)
      const hashes: Uint8Array[] = []
      for (let i = 0; i < n; i++) hashes.push(all.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES))
      const header: MediaHeader = { t, hashes }
      if (m.h !== undefined) {
        // A prefix holder holds at least one chunk and fewer than all (a whole file has no `h`).
        const held = indexField(m, 'h', n)
        if (held < 1 || held >= n) throw new MalformedError('media header field "h" must be from 1 to n - 1')
        header.held = held
      }
      if (flagField(m, 'a')) header.aead = true
      return header
    }
    case T_ABSENT:
      return { t }
    case T_CHUNK:
      return { t, i: indexField(m, 'i', MAX_MEDIA_CHUNKS - 1), c: bytesField(m, 'c', undefined, MAX_SEALED_CHUNK_BYTES) }
    case T_ACK:
      return { t, n: indexField(m, 'n', MAX_MEDIA_CHUNKS) }
    default:
      throw new MalformedError(`unknown media message type ${t}`)
  }
}
