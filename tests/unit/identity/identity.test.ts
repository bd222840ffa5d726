import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import nacl from 'tweetnacl'
import { createIdentity, identityFromSeed } from '../../../src/identity/identity.ts'
import { fingerprint, publicKeyFromUserId, userIdFromPublicKey } from '../../../src/identity/user-id.ts'
import { deriveKey } from '../../../src/crypto/hkdf.ts'
import { TAG_BOX_SEED, TAG_SIGNING_SEED } from '../../../src/constants.ts'
import { InvalidArgumentError } from '../../../src/errors.ts'

describe('identity', () => {
  it('derives signing and box keys from the seed with domain separation, as PROTOCOL.md says', () => {
    const seed = new Uint8Array(32).fill(42)
    const id = identityFromSeed(seed)
    const signing = nacl.sign.keyPair.fromSeed(deriveKey(seed, TAG_SIGNING_SEED, 32))
    const box = nacl.box.keyPair.fromSecretKey(deriveKey(seed, TAG_BOX_SEED, 32))
    expect(id.signingSeed).toEqual(deriveKey(seed, TAG_SIGNING_SEED, 32))
    expect(id.publicKey).toEqual(signing.publicKey)
    expect(id.boxPublicKey).toEqual(box.publicKey)
    expect(id.boxSecretKey).toEqual(box.secretKey)
    expect(id.userId).toBe(userIdFromPublicKey(signing.publicKey))
    // The seed itself is neither key.
    expect(id.signingSeed).not.toEqual(seed)
    expect(id.boxSecretKey).not.toEqual(seed)
  })

  it('is deterministic and copies the seed', () => {
    const seed = new Uint8Array(32).fill(1)
    const a = identityFromSeed(seed)
    seed.fill(2)
    expect(identityFromSeed(new Uint8Array(32).fill(1)).userId).toBe(a.userId)
    expect(a.seed).toEqual(new Uint8Array(32).fill(1))
  })

  it('creates distinct random identities', () => {
    expect(createIdentity().userId).not.toBe(createIdentity().userId)
  })

  it('refuses seeds of the wrong length', () => {
    expect(() => identityFromSeed(new Uint8Array(31))).toThrow(InvalidArgumentError)
  })

  it('gives box keys that work with nacl.box between two users', () => {
    const a = createIdentity()
    const b = createIdentity()
    const nonce = new Uint8Array(24)
    const box = nacl.box(Uint8Array.of(1, 2, 3), nonce, b.boxPublicKey, a.boxSecretKey)
    expect(nacl.box.open(box, nonce, a.boxPublicKey, b.boxSecretKey)).toEqual(Uint8Array.of(1, 2, 3))
  })
})

describe('user id text form', () => {
  it('is "cs" + base58btc and round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (pk) => {
      const text = userIdFromPublicKey(pk)
      expect(text).toMatch(/^cs[1-9A-HJ-NP-Za-km-z]{32,44}$/)
      expect(publicKeyFromUserId(text)).toEqual(pk)
      expect(publicKeyFromUserId(`  ${text}\n`)).toEqual(pk)
    }))
  })

  it('explains what is wrong with a bad user id', () => {
    const good = createIdentity().userId
    expect(() => publicKeyFromUserId('xx' + good.slice(2))).toThrow(/must start with "cs"/)
    expect(() => publicKeyFromUserId(good.slice(0, -3))).toThrow(/wrong length/)
    expect(() => publicKeyFromUserId(good + 'abc')).toThrow(/wrong length/)
    expect(() => publicKeyFromUserId('cs0OIl' + good.slice(6))).toThrow(/not base58/)
    expect(() => publicKeyFromUserId('cs' + 'z'.repeat(500))).toThrow(/too long/)
    expect(() => publicKeyFromUserId('')).toThrow(InvalidArgumentError)
  })
})

describe('fingerprint', () => {
  it('is 20 digits in 4 groups of 5, stable, and differs between keys', () => {
    const a = createIdentity()
    const b = createIdentity()
    expect(fingerprint(a.publicKey)).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/)
    expect(fingerprint(a.publicKey)).toBe(fingerprint(Uint8Array.from(a.publicKey)))
    expect(fingerprint(a.publicKey)).not.toBe(fingerprint(b.publicKey))
  })

  it('has a fixed value for a fixed key (a change would break comparisons between versions)', () => {
    expect(fingerprint(new Uint8Array(32))).toBe(fingerprint(new Uint8Array(32)))
    expect(fingerprint(new Uint8Array(32))).toMatchInlineSnapshot(`"96986 53801 39531 90145"`)
  })
})
