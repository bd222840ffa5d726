import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import {
  FRAME_HEADER_BYTES, FrameKind, MIN_FRAME_BYTES, encodeFrame, ReplayGuard, messageIdOf, openFrame, parseFrame, sealMessage, verifyFrame
} from '../../../src/envelope/index.ts'
import type { OpenedMessage } from '../../../src/envelope/index.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { bytesEqual, toHex } from '../../../src/crypto/encoding.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { MAX_CLOCK_SKEW_MS, MAX_FRAME_BYTES, MAX_TEXT_BYTES, MESSAGE_VERSION, SIGNATURE_BYTES } from '../../../src/constants.ts'
import {
  BadSignatureError, ChatSphereError, ClockSkewError, DecryptionError, InvalidArgumentError, MalformedError, OldEpochError,
  OversizedError, ReplayError
} from '../../../src/errors.ts'
import { craftFrame } from './craft.ts'
import { frameSigningInput } from '../../../src/envelope/frame.ts'
import { hedgedSign } from '../crypto/support/hedged-sign.ts'
import { SAMPLE_BODIES } from './samples.ts'

const alice = createIdentity()
const bob = createIdentity()
const room = deriveRoomKeys(createRoomSecret())
const otherRoom = deriveRoomKeys(createRoomSecret())
const NOW = 1_800_000_000_000

async function seal (seq = 1, text = 'x'.repeat(200)): Promise<Uint8Array> {
  return (await sealMessage({ identity: alice, room, device: 7, seq, time: NOW, body: { k: 'text', text } })).frame
}

/** The error an async call rejects with (fails the test if it resolves). */
async function errorOf (p: Promise<unknown>): Promise<Error> {
  const result = await p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }))
  if (result.ok) throw new Error('expected a rejection, got a value')
  return result.e as Error
}

describe('seal and open', () => {
  it('round-trips a body of every kind with all metadata', async () => {
    let seq = 0
    for (const body of SAMPLE_BODIES) {
      seq++
      const sealed = await sealMessage({ identity: alice, room, device: 42, seq, time: NOW, body })
      const opened = await openFrame(sealed.frame, room, { now: NOW })
      const kind = ['presence', 'typing', 'read'].includes(body.k) ? FrameKind.ephemeral : FrameKind.message
      expect(opened).toEqual<OpenedMessage>({
        id: sealed.id, idText: sealed.idText, kind, epoch: 0, author: alice.publicKey, authorId: alice.userId,
        device: 42, seq, time: NOW, body
      })
      expect(sealed.idText).toBe(toHex(sealed.id))
      expect(sealed.id).toEqual(messageIdOf(room, alice.publicKey, 42, seq))
    }
  })

  it('lays the frame out as PROTOCOL.md says', async () => {
    const frame = await seal()
    const h = parseFrame(frame)
    expect(frame[0]).toBe(1)
    expect(h.kind).toBe(FrameKind.message)
    expect(h.epoch).toBe(0)
    expect(h.nonce).toHaveLength(24)
    expect(h.writeSignature).toHaveLength(SIGNATURE_BYTES)
    expect(frame.length).toBe(FRAME_HEADER_BYTES + h.ciphertext.length + SIGNATURE_BYTES)
    // The 200-byte text is not visible in the frame.
    expect(Buffer.from(frame).includes(Buffer.from('x'.repeat(16)))).toBe(false)
    expect(await verifyFrame(frame, room.writePublicKey, room.roomId)).toEqual(h)
  })

  it('uses a fresh nonce every time, so equal messages give different frames', async () => {
    const a = await sealMessage({ identity: alice, room, device: 1, seq: 1, time: NOW, body: { k: 'text', text: 'same' } })
    const b = await sealMessage({ identity: alice, room, device: 1, seq: 1, time: NOW, body: { k: 'text', text: 'same' } })
    expect(a.id).toEqual(b.id)
    expect(bytesEqual(a.frame, b.frame)).toBe(false)
  })

  it('gives distinct ids per (author, device, seq) and per room', () => {
    const ids = new Set([
      messageIdOf(room, alice.publicKey, 1, 1), messageIdOf(room, alice.publicKey, 1, 2), messageIdOf(room, alice.publicKey, 2, 1),
      messageIdOf(room, bob.publicKey, 1, 1), messageIdOf(otherRoom, alice.publicKey, 1, 1)
    ].map(toHex))
    expect(ids.size).toBe(5)
  })

  it('refuses to seal what a receiver would reject', async () => {
    const base = { identity: alice, room, device: 1, seq: 1 }
    await expect(sealMessage({ ...base, body: { k: 'text', text: 'x'.repeat(MAX_TEXT_BYTES + 1) } })).rejects.toThrow(OversizedError)
    await expect(sealMessage({ ...base, body: { k: 'typing', on: true }, kind: FrameKind.message })).rejects.toThrow(MalformedError)
    await expect(sealMessage({ ...base, seq: 0, body: { k: 'text', text: 'x' } })).rejects.toThrow(InvalidArgumentError)
    await expect(sealMessage({ ...base, device: -1, body: { k: 'text', text: 'x' } })).rejects.toThrow(InvalidArgumentError)
    await expect(sealMessage({ ...base, epoch: 1, body: { k: 'text', text: 'x' } })).rejects.toThrow(/epochKey is required/)
    await expect(sealMessage({ ...base, time: -1, body: { k: 'text', text: 'x' } })).rejects.toThrow(InvalidArgumentError)
  })
})

describe('tampering', () => {
  it('rejects every single-byte change of a frame with the right error (property)', async () => {
    const frame = await seal()
    await fc.assert(fc.asyncProperty(fc.nat({ max: frame.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, xor) => {
      const bad = Uint8Array.from(frame)
      bad[index] = (bad[index] as number) ^ xor
      const err = await errorOf(openFrame(bad, room, { now: NOW }))
      if (index === 0) expect(err).toBeInstanceOf(MalformedError) // version
      else if (index === 1 && ![1, 2].includes(bad[1] as number)) expect(err).toBeInstanceOf(MalformedError) // unknown kind
      else expect(err).toBeInstanceOf(BadSignatureError) // everything else is covered by the room write signature
      // The relay's check agrees.
      await expect(verifyFrame(bad, room.writePublicKey, room.roomId)).rejects.toThrow(err.constructor as typeof Error)
    }), { numRuns: 300 })
  })

  it('a member accepts a valid room write signature that is not the deterministic one, like a relay', async () => {
    const frame = await seal(4, 'hedged')
    const sigStart = frame.length - 64
    const hedged = Uint8Array.from(frame)
    hedged.set(hedgedSign(room.writeSeed, frameSigningInput(room.roomId, frame.subarray(0, sigStart))), sigStart)
    expect(hedged).not.toEqual(frame)
    await verifyFrame(hedged, room.writePublicKey, room.roomId)
    expect((await openFrame(hedged, room, { now: NOW })).body).toEqual({ k: 'text', text: 'hedged' })
    hedged[sigStart + 40] = (hedged[sigStart + 40] as number) ^ 1
    await expect(openFrame(hedged, room, { now: NOW })).rejects.toThrow(BadSignatureError)
    await expect(verifyFrame(hedged, room.writePublicKey, room.roomId)).rejects.toThrow(BadSignatureError)
  })

  it('rejects the change of each byte position at least once (exhaustive over positions)', async () => {
    const frame = await seal(2, 'short')
    for (let i = 0; i < frame.length; i++) {
      const bad = Uint8Array.from(frame)
      bad[i] = (bad[i] as number) ^ 0x04
      const err = await errorOf(openFrame(bad, room, { now: NOW }))
      expect(err.name, `byte ${i}`).toBe(i === 0 ? 'MalformedError' : i === 1 ? 'MalformedError' : 'BadSignatureError')
    }
  })

  it('rejects every truncation and every extension', async () => {
    const frame = await seal(3, 'truncate me')
    for (let len = 0; len < frame.length; len++) {
      const err = await errorOf(openFrame(frame.subarray(0, len), room, { now: NOW }))
      expect(err.name, `length ${len}`).toBe(len < MIN_FRAME_BYTES ? 'MalformedError' : 'BadSignatureError')
    }
    const longer = new Uint8Array(frame.length + 1)
    longer.set(frame)
    expect(await errorOf(openFrame(longer, room))).toBeInstanceOf(BadSignatureError)
  })

  it('rejects garbage with a typed error only', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
      const err = await errorOf(openFrame(bytes, room))
      expect(err).toBeInstanceOf(ChatSphereError)
      expect(['MalformedError', 'BadSignatureError']).toContain(err.name)
    }), { numRuns: 200 })
  })

  it('refuses an oversized frame before any crypto or copying', () => {
    const huge = new Uint8Array(MAX_FRAME_BYTES + 1)
    huge[0] = 1
    huge[1] = 1
    // parseFrame is synchronous and the first step of openFrame and verifyFrame.
    expect(() => parseFrame(huge)).toThrow(OversizedError)
    return expect(openFrame(huge, room)).rejects.toThrow(OversizedError)
  })

  it('refuses to lay out a frame over the limit, and the largest legal message fits', async () => {
    const ok = await sealMessage({ identity: alice, room, device: 1, seq: 1, body: { k: 'text', text: 'é'.repeat(MAX_TEXT_BYTES / 2) } })
    expect(ok.frame.length).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    const parts = { kind: FrameKind.message, epoch: 0, id: new Uint8Array(16), nonce: new Uint8Array(24), ciphertext: new Uint8Array(MAX_FRAME_BYTES) }
    await expect(encodeFrame(parts, room.writeSeed, room.roomId)).rejects.toThrow(OversizedError)
  })
})

describe('forgery by someone who holds the room secret', () => {
  it('rejects an author signature by another key (impersonation)', async () => {
    const frame = await craftFrame({ identity: alice, signer: bob, room, time: NOW })
    expect(await errorOf(openFrame(frame, room, { now: NOW }))).toBeInstanceOf(BadSignatureError)
  })

  it('rejects a header id not bound to (author, device, seq): no stealing or squatting another message id', async () => {
    const victimId = messageIdOf(room, bob.publicKey, 1, 1)
    const frame = await craftFrame({ identity: alice, room, id: victimId, time: NOW })
    const err = await errorOf(openFrame(frame, room, { now: NOW }))
    expect(err).toBeInstanceOf(BadSignatureError)
    expect(err.message).toMatch(/message id/)
  })

  it('rejects a message re-wrapped from another room (author signed for that room)', async () => {
    const frame = await craftFrame({ identity: alice, room, signRoomId: otherRoom.roomId, time: NOW })
    expect(await errorOf(openFrame(frame, room, { now: NOW }))).toBeInstanceOf(BadSignatureError)
  })

  it('rejects a frame whose ciphertext does not open with the room key (DecryptionError)', async () => {
    const frame = await craftFrame({ identity: alice, room, key: randomBytes(32), time: NOW })
    expect(await errorOf(openFrame(frame, room, { now: NOW }))).toBeInstanceOf(DecryptionError)
  })

  it('rejects malformed plaintext and inner messages with MalformedError', async () => {
    const sig = new Uint8Array(64)
    const base = { v: MESSAGE_VERSION, a: alice.publicKey, d: 1, s: 1, t: NOW, b: { k: 'text', text: 'x' } }
    const cases = [
      { plaintext: Uint8Array.of(0xff, 0x00) },
      { plaintext: encodeCbor([new Uint8Array(3)]) },
      { plaintext: encodeCbor([new Uint8Array(3), sig, 1]) },
      { plaintext: encodeCbor(['inner', sig]) },
      { plaintext: encodeCbor([encodeCbor(base), new Uint8Array(63)]) },
      { plaintext: encodeCbor([encodeCbor(base), [sig]]) },
      { inner: Uint8Array.of(0x1c) },
      { inner: encodeCbor([1, 2]) },
      { innerMap: { ...base, v: 2 } },
      { innerMap: { ...base, a: new Uint8Array(31) } },
      { innerMap: { ...base, d: -1 } },
      { innerMap: { ...base, d: 2 ** 32 } },
      { innerMap: { ...base, s: 0 } },
      { innerMap: { ...base, s: 1.5 } },
      { innerMap: { ...base, t: 'now' } },
      { innerMap: { ...base, b: { k: 'text' } } },
      { innerMap: { ...base, b: { k: 'unknown-kind' } } },
      { innerMap: { ...base, b: { k: 'typing', on: true } } },
      { inner: Uint8Array.of(0xc1, 0x01) } // a tag
    ]
    for (const c of cases) {
      const frame = await craftFrame({ identity: alice, room, time: NOW, ...c })
      const err = await errorOf(openFrame(frame, room, { now: NOW }))
      expect(err.name, JSON.stringify(Object.keys(c)) + ' ' + err.message).toBe('MalformedError')
    }
  })

  it('rejects an oversized field inside a correctly signed message with OversizedError', async () => {
    const frame = await craftFrame({ identity: alice, room, time: NOW, body: { k: 'text', text: 'y'.repeat(MAX_TEXT_BYTES + 1) } })
    expect(await errorOf(openFrame(frame, room, { now: NOW }))).toBeInstanceOf(OversizedError)
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]))
    const frame2 = await craftFrame({ identity: alice, room, time: NOW, body: { k: 'text', text: 'x', ...wide } })
    expect(await errorOf(openFrame(frame2, room, { now: NOW }))).toBeInstanceOf(OversizedError)
  })

  it('rejects a message dated too far in the future (ClockSkewError), accepts within the skew', async () => {
    const ahead = await craftFrame({ identity: alice, room, time: NOW + MAX_CLOCK_SKEW_MS + 1 })
    expect(await errorOf(openFrame(ahead, room, { now: NOW }))).toBeInstanceOf(ClockSkewError)
    const near = await craftFrame({ identity: alice, room, time: NOW + MAX_CLOCK_SKEW_MS })
    expect((await openFrame(near, room, { now: NOW })).time).toBe(NOW + MAX_CLOCK_SKEW_MS)
    const old = await craftFrame({ identity: alice, room, time: 0 })
    expect((await openFrame(old, room, { now: NOW })).time).toBe(0)
  })

  it('reports the room write signature first even when the inside is also bad', async () => {
    const frame = await craftFrame({ identity: alice, room, key: randomBytes(32) })
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1
    expect(await errorOf(openFrame(frame, room))).toBeInstanceOf(BadSignatureError)
  })
})

describe('replays', () => {
  it('rejects the same frame twice, and a re-sealed copy with the same id', async () => {
    const guard = new ReplayGuard()
    const frame = await seal(10)
    await openFrame(frame, room, { now: NOW, replay: guard })
    expect(await errorOf(openFrame(frame, room, { now: NOW, replay: guard }))).toBeInstanceOf(ReplayError)
    const again = await seal(10) // same (author, device, seq), new nonce
    expect(await errorOf(openFrame(again, room, { now: NOW, replay: guard }))).toBeInstanceOf(ReplayError)
    expect((await openFrame(await seal(11), room, { now: NOW, replay: guard })).seq).toBe(11)
  })

  it('does not let a forged copy burn the real message id', async () => {
    const guard = new ReplayGuard()
    const frame = await seal(20)
    const forged = Uint8Array.from(frame)
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1 // bad room write signature, inside intact
    expect(await errorOf(openFrame(forged, room, { now: NOW, replay: guard }))).toBeInstanceOf(BadSignatureError)
    expect((await openFrame(frame, room, { now: NOW, replay: guard })).seq).toBe(20)
  })

  it('rejects a frame replayed into another room', async () => {
    const frame = await seal(30)
    expect(await errorOf(openFrame(frame, otherRoom, { now: NOW }))).toBeInstanceOf(BadSignatureError)
    await expect(verifyFrame(frame, otherRoom.writePublicKey, otherRoom.roomId)).rejects.toThrow(BadSignatureError)
    // Even with the other room's write key (a relay mixing up keys), the room id in the signature differs.
    await expect(verifyFrame(frame, room.writePublicKey, otherRoom.roomId)).rejects.toThrow(BadSignatureError)
  })

  it('bounds its memory, forgetting the oldest ids', () => {
    const guard = new ReplayGuard(3)
    const ids = [1, 2, 3, 4].map((i) => Uint8Array.of(i))
    for (const id of ids) guard.check(id)
    expect(guard.size).toBe(3)
    expect(guard.has(Uint8Array.of(1))).toBe(false)
    expect(() => guard.check(Uint8Array.of(4))).toThrow(ReplayError)
  })
})

describe('key epochs', () => {
  const epochKey = randomBytes(32)

  it('seals and opens under a later epoch with its key', async () => {
    const sealed = await sealMessage({ identity: alice, room, epoch: 3, epochKey, device: 1, seq: 1, time: NOW, body: { k: 'text', text: 'new epoch' } })
    const keyForEpoch = (e: number): Uint8Array | undefined => e === 3 ? epochKey : undefined
    const opened = await openFrame(sealed.frame, room, { now: NOW, keyForEpoch })
    expect(opened.epoch).toBe(3)
    expect(opened.body).toEqual({ k: 'text', text: 'new epoch' })
  })

  it('rejects an old (or unknown) epoch with OldEpochError', async () => {
    const old = await seal(40)
    const keyForEpoch = (e: number): Uint8Array | undefined => e === 3 ? epochKey : undefined
    expect(await errorOf(openFrame(old, room, { now: NOW, keyForEpoch }))).toBeInstanceOf(OldEpochError)
    const later = await sealMessage({ identity: alice, room, epoch: 3, epochKey, device: 1, seq: 2, body: { k: 'text', text: 'x' } })
    expect(await errorOf(openFrame(later.frame, room))).toBeInstanceOf(OldEpochError)
  })

  it('binds the epoch into the author signature (re-labelling a message to another epoch fails)', async () => {
    // A member re-encrypts an epoch-0 message under epoch 3 and re-signs the frame: the author signature breaks.
    const frame = await craftFrame({ identity: alice, room, epoch: 3, key: epochKey, time: NOW, signRoomId: room.roomId })
    const keyForEpoch = (e: number): Uint8Array | undefined => e === 3 ? epochKey : undefined
    expect((await openFrame(frame, room, { now: NOW, keyForEpoch })).epoch).toBe(3) // honest crafting works
    const { sign } = await import('#ed25519')
    const { authorSigningInput } = await import('../../../src/envelope/signing-input.ts')
    const inner = encodeCbor({ v: MESSAGE_VERSION, a: alice.publicKey, d: 1, s: 1, t: NOW, b: { k: 'text', text: 'hi' } })
    const id = messageIdOf(room, alice.publicKey, 1, 1)
    const sigEpoch0 = await sign(alice.signingSeed, authorSigningInput(room.roomId, 0, id, inner))
    const relabelled = await craftFrame({ identity: alice, room, epoch: 3, key: epochKey, inner, authorSignature: sigEpoch0 })
    expect(await errorOf(openFrame(relabelled, room, { now: NOW, keyForEpoch }))).toBeInstanceOf(BadSignatureError)
  })
})

describe('openFrame with writeSignatureVerified (the caller verified the room write signature already)', () => {
  const trusted = { now: NOW, writeSignatureVerified: true }

  it('opens a valid frame exactly as the full check does', async () => {
    const frame = await seal(40, 'verified elsewhere')
    expect(await openFrame(frame, room, trusted)).toEqual(await openFrame(frame, room, { now: NOW }))
  })

  it('skips only the room write signature: a frame whose write signature is broken opens (the caller vouched for it)', async () => {
    const frame = await seal(41, 'skip')
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1
    expect(await errorOf(openFrame(frame, room, { now: NOW }))).toBeInstanceOf(BadSignatureError)
    expect((await openFrame(frame, room, trusted)).body).toEqual({ k: 'text', text: 'skip' })
  })

  it('still checks the author signature, the id binding and the author\'s room', async () => {
    const impersonated = await craftFrame({ identity: alice, signer: bob, room, time: NOW })
    expect(await errorOf(openFrame(impersonated, room, trusted))).toBeInstanceOf(BadSignatureError)
    const squatted = await craftFrame({ identity: alice, room, id: messageIdOf(room, bob.publicKey, 1, 1), time: NOW })
    const err = await errorOf(openFrame(squatted, room, trusted))
    expect(err).toBeInstanceOf(BadSignatureError)
    expect(err.message).toMatch(/message id/)
    const rewrapped = await craftFrame({ identity: alice, room, signRoomId: otherRoom.roomId, time: NOW })
    expect(await errorOf(openFrame(rewrapped, room, trusted))).toBeInstanceOf(BadSignatureError)
    // A byte changed inside the ciphertext is no longer covered by the write signature: secretbox catches it.
    const frame = await seal(42, 'tampered inside')
    frame[40] = (frame[40] as number) ^ 1
    expect(await errorOf(openFrame(frame, room, trusted))).toBeInstanceOf(DecryptionError)
  })

  it('still checks size, version, kind, epoch, decryption, fields, body and clock skew', async () => {
    const frame = await seal(43)
    const badVersion = Uint8Array.from(frame)
    badVersion[0] = (badVersion[0] as number) ^ 0x04
    expect(await errorOf(openFrame(badVersion, room, trusted))).toBeInstanceOf(MalformedError)
    expect(await errorOf(openFrame(new Uint8Array(MAX_FRAME_BYTES + 1), room, trusted))).toBeInstanceOf(OversizedError)
    expect(await errorOf(openFrame(frame.subarray(0, MIN_FRAME_BYTES - 1), room, trusted))).toBeInstanceOf(MalformedError)
    const undecryptable = await craftFrame({ identity: alice, room, key: randomBytes(32), time: NOW })
    expect(await errorOf(openFrame(undecryptable, room, trusted))).toBeInstanceOf(DecryptionError)
    const malformed = await craftFrame({ identity: alice, room, time: NOW, innerMap: { v: MESSAGE_VERSION, a: alice.publicKey, d: 1, s: 0, t: NOW, b: { k: 'text', text: 'x' } } })
    expect(await errorOf(openFrame(malformed, room, trusted))).toBeInstanceOf(MalformedError)
    const oversized = await craftFrame({ identity: alice, room, time: NOW, body: { k: 'text', text: 'y'.repeat(MAX_TEXT_BYTES + 1) } })
    expect(await errorOf(openFrame(oversized, room, trusted))).toBeInstanceOf(OversizedError)
    const ahead = await craftFrame({ identity: alice, room, time: NOW + MAX_CLOCK_SKEW_MS + 1 })
    expect(await errorOf(openFrame(ahead, room, trusted))).toBeInstanceOf(ClockSkewError)
    const later = await craftFrame({ identity: alice, room, epoch: 3, time: NOW })
    expect(await errorOf(openFrame(later, room, trusted))).toBeInstanceOf(OldEpochError)
  })

  it('still records and checks replays', async () => {
    const guard = new ReplayGuard()
    const frame = await seal(44)
    await openFrame(frame, room, { ...trusted, replay: guard })
    expect(await errorOf(openFrame(frame, room, { ...trusted, replay: guard }))).toBeInstanceOf(ReplayError)
  })
})

describe('reopenFrame (frames this device already opened with every check)', () => {
  it('gives what openFrame gave, and still runs decryption, field, body and skew checks', async () => {
    const { reopenFrame } = await import('../../../src/envelope/open.ts')
    const frame = await seal(50, 'again')
    expect(reopenFrame(frame, room, { now: NOW })).toEqual(await openFrame(frame, room, { now: NOW }))
    const undecryptable = await craftFrame({ identity: alice, room, key: randomBytes(32), time: NOW })
    expect(() => reopenFrame(undecryptable, room, { now: NOW })).toThrow(DecryptionError)
    const ahead = await craftFrame({ identity: alice, room, time: NOW + MAX_CLOCK_SKEW_MS + 1 })
    expect(() => reopenFrame(ahead, room, { now: NOW })).toThrow(ClockSkewError)
    const oversized = await craftFrame({ identity: alice, room, time: NOW, body: { k: 'text', text: 'y'.repeat(MAX_TEXT_BYTES + 1) } })
    expect(() => reopenFrame(oversized, room, { now: NOW })).toThrow(OversizedError)
    expect(() => reopenFrame(new Uint8Array(MAX_FRAME_BYTES + 1), room)).toThrow(OversizedError)
    const guard = new ReplayGuard()
    reopenFrame(frame, room, { now: NOW, replay: guard })
    expect(() => reopenFrame(frame, room, { now: NOW, replay: guard })).toThrow(ReplayError)
  })
})
