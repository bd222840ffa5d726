/** The byte-exact cache that lets a frame's room write signature be verified once per hop. */
import { describe, expect, it } from 'vitest'
import { roomFrameVerifier } from '../../../src/history/room-log.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { cachedVerifier, liveFrameVerifier, recordingVerifier, VerifiedFrames } from '../../../src/net/verified-frames.ts'
import { frameSigningInput } from '../../../src/envelope/frame.ts'
import { hedgedSign } from '../crypto/support/hedged-sign.ts'

const room = deriveRoomKeys(createRoomSecret())
const other = deriveRoomKeys(createRoomSecret())
const identity = createIdentity()
const frameOf = async (seq: number, keys = room, k: 'text' | 'typing' = 'text'): Promise<Uint8Array> =>
  (await sealMessage({ identity, room: keys, device: 1, seq, body: k === 'text' ? { k: 'text', text: `m${seq}` } : { k: 'typing', on: true } })).frame

describe('VerifiedFrames', () => {
  it('hits only for the exact bytes, once', async () => {
    const cache = new VerifiedFrames()
    const f = await frameOf(1)
    cache.add(f)
    const altered = f.slice()
    altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1
    expect(cache.take(altered)).toBe(false)
    expect(cache.take(f.slice())).toBe(true)
    expect(cache.take(f)).toBe(false)
    expect(cache.take(new Uint8Array(3))).toBe(false)
  })

  it('keeps at most its capacity, oldest out first', async () => {
    const cache = new VerifiedFrames(2)
    const [a, b, c] = await Promise.all([frameOf(1), frameOf(2), frameOf(3)])
    cache.add(a as Uint8Array)
    cache.add(b as Uint8Array)
    cache.add(c as Uint8Array)
    expect(cache.size).toBe(2)
    expect(cache.take(a as Uint8Array)).toBe(false)
    expect(cache.take(c as Uint8Array)).toBe(true)
  })

  it('records what a verifier accepted and skips only those frames next time', async () => {
    const cache = new VerifiedFrames()
    let calls = 0
    const base = roomFrameVerifier(room.writePublicKey, room.roomId)
    const counting = async (f: Uint8Array): Promise<unknown> => { calls++; return await base(f) }
    const first = recordingVerifier(counting, cache)
    const second = cachedVerifier(counting, cache)
    const f = await frameOf(4)
    await first(f)
    await second(f)
    expect(calls).toBe(1)
    // Not recorded: verified (and refused) again.
    const forged = await frameOf(5, other)
    await expect(first(forged)).rejects.toThrow()
    await expect(second(forged)).rejects.toThrow()
    expect(calls).toBe(3)
  })

  it('liveFrameVerifier: same verdicts as the history verifier', async () => {
    const live = liveFrameVerifier(room.writePublicKey, room.roomId)
    await expect(live(await frameOf(6))).resolves.toBeDefined()
    await expect(live(await frameOf(7, other))).rejects.toMatchObject({ name: 'BadSignatureError' })
    await expect(live(await frameOf(8, room, 'typing'))).rejects.toMatchObject({ name: 'MalformedError' })
  })

  it('with the write seed (a member), both verifiers give the relay\'s verdicts, also for a valid non-deterministic signature', async () => {
    const f = await frameOf(9)
    const sigStart = f.length - 64
    const hedged = Uint8Array.from(f)
    hedged.set(hedgedSign(room.writeSeed, frameSigningInput(room.roomId, f.subarray(0, sigStart))), sigStart)
    const flipped = Uint8Array.from(f)
    flipped[sigStart + 3] = (flipped[sigStart + 3] as number) ^ 0x40
    const forged = await frameOf(10, other)
    for (const check of [liveFrameVerifier, roomFrameVerifier]) {
      const member = check(room.writePublicKey, room.roomId, room.writeSeed)
      const relay = check(room.writePublicKey, room.roomId)
      for (const frame of [f, hedged]) {
        await expect(member(frame)).resolves.toBeDefined()
        await expect(relay(frame)).resolves.toBeDefined()
      }
      for (const frame of [flipped, forged]) {
        await expect(member(frame)).rejects.toMatchObject({ name: 'BadSignatureError' })
        await expect(relay(frame)).rejects.toMatchObject({ name: 'BadSignatureError' })
      }
    }
  })
})
