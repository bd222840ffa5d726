import { describe, expect, it } from 'vitest'
import nacl from 'tweetnacl'
import { sign, signatureHolds, verify } from '#ed25519'
import { verifyBatched, warmVerifyWorkers } from '#verify-batch'
import { randomBytes } from '../../../src/crypto/random.ts'
import { hedgedSign } from './support/hedged-sign.ts'

const seed = randomBytes(32)
const publicKey = nacl.sign.keyPair.fromSeed(seed).publicKey
const message = randomBytes(300)

describe('signatureHolds (re-sign and compare, verify on a mismatch)', () => {
  it('accepts the deterministic signature, as verify does', async () => {
    const sig = await sign(seed, message)
    expect(await verify(publicKey, message, sig)).toBe(true)
    expect(await signatureHolds(seed, publicKey, message, sig)).toBe(true)
  })

  it('accepts a valid signature made with another nonce (hedged), as verify does', async () => {
    const sig = hedgedSign(seed, message)
    expect(sig).not.toEqual(await sign(seed, message))
    expect(await verify(publicKey, message, sig)).toBe(true)
    expect(await signatureHolds(seed, publicKey, message, sig)).toBe(true)
  })

  it('rejects every single-bit change of the signature and of the message, as verify does', async () => {
    const sig = await sign(seed, message)
    for (let i = 0; i < 64 * 8; i += 7) {
      const bad = Uint8Array.from(sig)
      bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7))
      expect(await signatureHolds(seed, publicKey, message, bad)).toBe(await verify(publicKey, message, bad))
      expect(await signatureHolds(seed, publicKey, message, bad)).toBe(false)
    }
    const other = Uint8Array.from(message)
    other[17] = (other[17] as number) ^ 1
    expect(await signatureHolds(seed, publicKey, other, sig)).toBe(false)
  })

  it('rejects malformed signatures without throwing', async () => {
    expect(await signatureHolds(seed, publicKey, message, new Uint8Array(63))).toBe(false)
    expect(await signatureHolds(seed, publicKey, message, 'x' as unknown as Uint8Array)).toBe(false)
  })

  it('verifyBatched with the signer seed gives the same verdicts, on this thread and in worker threads', async () => {
    await warmVerifyWorkers()
    const cases = await Promise.all(Array.from({ length: 64 }, async (_, i) => {
      const msg = randomBytes(50 + i)
      const good = i % 3 === 0 ? hedgedSign(seed, msg) : await sign(seed, msg)
      const sig = i % 4 === 1 ? Uint8Array.from(good, (b, j) => j === i % 64 ? b ^ 0x10 : b) : good
      return { msg, sig, expected: i % 4 !== 1 }
    }))
    // 64 calls in one tick: one batch shared with the workers; then one at a time (this thread only).
    const batched = await Promise.all(cases.map(async c => await verifyBatched(publicKey, c.msg, c.sig, seed)))
    expect(batched).toEqual(cases.map(c => c.expected))
    for (const c of cases.slice(0, 8)) expect(await verifyBatched(publicKey, c.msg, c.sig, seed)).toBe(c.expected)
  })
})
