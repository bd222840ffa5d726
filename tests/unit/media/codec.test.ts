/**
 * The media chunk codec and chunk cryptography: round trips, and every tampered, truncated, oversized or
 * out-of-place input fails with a typed error (never a partial result).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_MEDIA_CHUNKS, MAX_MEDIA_MESSAGE_BYTES, MEDIA_CHUNK_BYTES } from '../../../src/constants.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { validateBody } from '../../../src/envelope/body.ts'
import { FrameKind } from '../../../src/envelope/types.ts'
import {
  chunkMessageFrame, decodeMediaMessage, encodeMediaMessage, MAX_SEALED_CHUNK_BYTES, T_ABSENT, T_ACK, T_CHUNK, T_HEADER, T_REQUEST
} from '../../../src/media/codec.ts'
import { sealedChunkMessage } from '../../../src/media/chunk-seal.ts'
import { chunkCount, chunkHashes, chunkLength, hashListRoot, mediaProof, mediaProofKey, openChunk, sealChunk } from '../../../src/media/crypto.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import type { MediaMessage } from '../../../src/media/codec.ts'

const ALL = [T_REQUEST, T_HEADER, T_ABSENT, T_CHUNK, T_ACK]
const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n })

const messageArb: fc.Arbitrary<MediaMessage> = fc.oneof(
  fc.record({ t: fc.constant(T_REQUEST), room: bytes(32), msg: bytes(16), from: fc.nat(MAX_MEDIA_CHUNKS), proof: bytes(32) }),
  fc.record({ t: fc.constant(T_HEADER), hashes: fc.array(bytes(32), { maxLength: 20 }) }),
  fc.record({ t: fc.constant(T_ABSENT) }),
  fc.record({ t: fc.constant(T_CHUNK), i: fc.nat(MAX_MEDIA_CHUNKS - 1), c: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ t: fc.constant(T_ACK), n: fc.nat(MAX_MEDIA_CHUNKS) })
) as fc.Arbitrary<MediaMessage>

/** Byte strings as number arrays (a decoder may hand back Buffer views, which compare unequal to Uint8Array). */
function plain (v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v)
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

function errorName (f: () => unknown): string | undefined {
  try { f() } catch (err) { return (err as Error).name }
  return undefined
}

describe('media codec', () => {
  it('round-trips every message kind', () => {
    fc.assert(fc.property(messageArb, (m) => {
      expect(plain(decodeMediaMessage(encodeMediaMessage(m), ALL))).toEqual(plain(m))
    }))
  })

  it('truncated messages fail with MalformedError', () => {
    fc.assert(fc.property(messageArb, fc.nat(), (m, cut) => {
      const enc = encodeMediaMessage(m)
      const len = cut % enc.length
      expect(errorName(() => decodeMediaMessage(enc.subarray(0, len), ALL))).toBe('MalformedError')
    }))
  })

  it('any byte flip is refused with a typed error or decodes to a message that passes the same checks', () => {
    fc.assert(fc.property(messageArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, x) => {
      const enc = Uint8Array.from(encodeMediaMessage(m))
      const i = at % enc.length
      enc[i] = (enc[i] as number) ^ x
      try {
        const d = decodeMediaMessage(enc, ALL)
        // A flip inside a byte string or number can still be a valid message: it must then be fully typed.
        expect(ALL).toContain(d.t)
      } catch (err) {
        expect(['MalformedError', 'OversizedError']).toContain((err as Error).name)
      }
    }))
  })

  it('refuses messages of the wrong type for the moment, wrong version, wrong sizes', () => {
    const chunk = encodeMediaMessage({ t: T_CHUNK, i: 0, c: new Uint8Array(10) })
    expect(errorName(() => decodeMediaMessage(chunk, [T_HEADER, T_ABSENT]))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 2, t: T_ACK, n: 1 }), ALL))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_REQUEST, room: new Uint8Array(31), msg: new Uint8Array(16), from: 0, proof: new Uint8Array(32) }), ALL))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_HEADER, n: 2, hashes: new Uint8Array(32) }), ALL))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_ACK, n: -1 }), ALL))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_ACK, n: 1.5 }), ALL))).toBe('MalformedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor([1, 2]), ALL))).toBe('MalformedError')
  })

  it('refuses oversized fields before keeping them', () => {
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_CHUNK, i: 0, c: new Uint8Array(MAX_SEALED_CHUNK_BYTES + 1) }), ALL))).toBe('OversizedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_ACK, n: MAX_MEDIA_CHUNKS + 1 }), ALL))).toBe('OversizedError')
    expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_HEADER, n: MAX_MEDIA_CHUNKS + 1, hashes: new Uint8Array(0) }), ALL))).toBe('OversizedError')
    expect(errorName(() => decodeMediaMessage(new Uint8Array(MAX_MEDIA_MESSAGE_BYTES + 1), ALL))).toBe('OversizedError')
  })
})

describe('media chunks', () => {
  const key = new Uint8Array(32).fill(9)

  it('a sealed chunk opens only with its key at its index; any flip fails with DecryptionError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(1000), fc.nat(), (plain, index, at) => {
      const sealed = sealChunk(plain, index, key)
      expect(openChunk(sealed, index, key)).toEqual(plain)
      expect(errorName(() => openChunk(sealed, index + 1, key))).toBe('DecryptionError')
      const bad = Uint8Array.from(sealed)
      bad[at % bad.length] = (bad[at % bad.length] as number) ^ 1
      expect(errorName(() => openChunk(bad, index, key))).toBe('DecryptionError')
      expect(errorName(() => openChunk(sealed.subarray(0, sealed.length - 1), index, key))).toBe('DecryptionError')
      expect(errorName(() => openChunk(sealed, index, new Uint8Array(32)))).toBe('DecryptionError')
    }), { numRuns: 50 })
  })

  it('chunking: counts, lengths, hash list and root', async () => {
    expect(chunkCount(0)).toBe(0)
    expect(chunkCount(1)).toBe(1)
    expect(chunkCount(MEDIA_CHUNK_BYTES)).toBe(1)
    expect(chunkCount(MEDIA_CHUNK_BYTES + 1)).toBe(2)
    expect(chunkLength(MEDIA_CHUNK_BYTES + 1, 1)).toBe(1)
    const data = randomBytes(2 * MEDIA_CHUNK_BYTES + 5)
    const hashes = await chunkHashes(data)
    expect(hashes).toHaveLength(3)
    const root = await hashListRoot(hashes)
    const swapped = await hashListRoot([hashes[1] as Uint8Array, hashes[0] as Uint8Array, hashes[2] as Uint8Array])
    expect(root).not.toEqual(swapped)
  })

  it('the room proof binds the room secret, the message and both peers', () => {
    const k = mediaProofKey(new Uint8Array(32).fill(1))
    const msg = new Uint8Array(16).fill(2)
    const p = mediaProof(k, msg, 'QmA', 'QmB')
    expect(p).toHaveLength(32)
    expect(mediaProof(k, msg, 'QmB', 'QmA')).not.toEqual(p)
    expect(mediaProof(k, new Uint8Array(16), 'QmA', 'QmB')).not.toEqual(p)
    expect(mediaProof(mediaProofKey(new Uint8Array(32).fill(3)), msg, 'QmA', 'QmB')).not.toEqual(p)
  })
})

describe('media bodies', () => {
  const file = { k: 'file', name: 'a.png', mime: 'image/png', size: 10, hash: new Uint8Array(32), key: new Uint8Array(32) }

  it('file bodies carry an optional chunk root and sender peer id; want/have are ephemeral', () => {
    const peer = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    expect(validateBody({ ...file, root: new Uint8Array(32), peer })).toMatchObject({ root: new Uint8Array(32), peer })
    expect(errorName(() => validateBody({ ...file, root: new Uint8Array(31) }))).toBe('MalformedError')
    expect(errorName(() => validateBody({ ...file, peer: '../../etc' }))).toBe('MalformedError')
    expect(errorName(() => validateBody({ ...file, peer: 'Q'.repeat(200) }))).toBe('OversizedError')
    expect(validateBody({ k: 'want', hash: new Uint8Array(32) }, FrameKind.ephemeral)).toEqual({ k: 'want', hash: new Uint8Array(32) })
    expect(validateBody({ k: 'have', hash: new Uint8Array(32), peer }, FrameKind.ephemeral)).toEqual({ k: 'have', hash: new Uint8Array(32), peer })
    expect(errorName(() => validateBody({ k: 'have', hash: new Uint8Array(32), peer }, FrameKind.message))).toBe('MalformedError')
    expect(errorName(() => validateBody({ k: 'have', hash: new Uint8Array(32) }, FrameKind.ephemeral))).toBe('MalformedError')
  })
})

describe('chunk messages sealed in place', () => {
  it('are byte for byte the generic encoding of the sealed chunk, and decode and open to the plaintext', () => {
    fc.assert(fc.property(fc.nat(MAX_MEDIA_CHUNKS - 1), fc.uint8Array({ maxLength: 3000 }), bytes(32), (i, plainBytes, key) => {
      const fast = sealedChunkMessage(plainBytes, i, key)
      expect(Buffer.from(fast).equals(Buffer.from(encodeMediaMessage({ t: T_CHUNK, i, c: sealChunk(plainBytes, i, key) })))).toBe(true)
      const m = decodeMediaMessage(fast, [T_CHUNK])
      expect(m.t === T_CHUNK && Buffer.from(openChunk(m.c, i, key)).equals(Buffer.from(plainBytes))).toBe(true)
    }), { numRuns: 200 })
    for (const i of [0, 23, 24, 255, 256, 65534, MAX_MEDIA_CHUNKS - 1]) {
      const plainBytes = randomBytes(MEDIA_CHUNK_BYTES)
      const key = randomBytes(32)
      expect(Buffer.from(sealedChunkMessage(plainBytes, i, key)).equals(Buffer.from(encodeMediaMessage({ t: T_CHUNK, i, c: sealChunk(plainBytes, i, key) })))).toBe(true)
    }
    expect(() => chunkMessageFrame(MAX_MEDIA_CHUNKS, 10)).toThrow()
    expect(() => chunkMessageFrame(0, MAX_SEALED_CHUNK_BYTES + 1)).toThrow()
  })
})

describe('prefix holders (request p, header h)', () => {
  it('round-trip; a whole-file header has no h; bad values are refused', () => {
    const req = { t: T_REQUEST, room: randomBytes(32), msg: randomBytes(16), from: 3, proof: randomBytes(32), partial: true } as const
    expect(plain(decodeMediaMessage(encodeMediaMessage(req), [T_REQUEST]))).toEqual(plain(req))
    const hashes = [randomBytes(32), randomBytes(32), randomBytes(32)]
    expect(plain(decodeMediaMessage(encodeMediaMessage({ t: T_HEADER, hashes, held: 2 }), [T_HEADER]))).toEqual(plain({ t: T_HEADER, hashes, held: 2 }))
    expect(decodeMediaMessage(encodeMediaMessage({ t: T_HEADER, hashes }), [T_HEADER])).not.toHaveProperty('held')
    const all = new Uint8Array(96)
    for (const h of [0, 3, 4, -1, 1.5, 'x']) {
      expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_HEADER, n: 3, hashes: all, h }), [T_HEADER]))).toMatch(/MalformedError|OversizedError/)
    }
    for (const p of [0, 2, true, 'x']) {
      expect(errorName(() => decodeMediaMessage(encodeCbor({ v: 1, t: T_REQUEST, room: req.room, msg: req.msg, from: 0, proof: req.proof, p }), [T_REQUEST]))).toBe('MalformedError')
    }
  })
})
