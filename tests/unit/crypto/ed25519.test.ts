import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import nacl from 'tweetnacl'
import * as nodeImpl from '../../../src/crypto/ed25519.node.ts'
import * as browserImpl from '../../../src/crypto/ed25519.browser.ts'
import * as chosen from '#ed25519'

// Node has WebCrypto Ed25519 too, so the browser implementation runs here against the same vectors; the web
// tests run it again in Chromium.
const impls = [['node:crypto', nodeImpl], ['WebCrypto (browser file)', browserImpl]] as const

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const msgArb = fc.uint8Array({ minLength: 0, maxLength: 600 })

describe('#ed25519 import condition', () => {
  it('resolves to the node:crypto implementation in Node', () => {
    expect(chosen.sign).toBe(nodeImpl.sign)
    expect(chosen.verify).toBe(nodeImpl.verify)
  })
})

describe.each(impls)('Ed25519 via %s', (_name, impl) => {
  it('derives the same public key as nacl.sign.keyPair.fromSeed', () => {
    fc.assert(fc.property(seedArb, (seed) => {
      expect(impl.publicKeyFromSeed(seed)).toEqual(nacl.sign.keyPair.fromSeed(seed).publicKey)
    }), { numRuns: 30 })
  })

  it('signs exactly what tweetnacl signs (Ed25519 is deterministic), and tweetnacl verifies it', async () => {
    await fc.assert(fc.asyncProperty(seedArb, msgArb, async (seed, msg) => {
      const sig = await impl.sign(seed, msg)
      const kp = nacl.sign.keyPair.fromSeed(seed)
      expect(sig).toEqual(nacl.sign.detached(msg, kp.secretKey))
      expect(nacl.sign.detached.verify(msg, sig, kp.publicKey)).toBe(true)
    }), { numRuns: 15 })
  })

  it('verifies what tweetnacl signs, and rejects it once altered', async () => {
    await fc.assert(fc.asyncProperty(seedArb, msgArb, fc.nat(), async (seed, msg, flip) => {
      const kp = nacl.sign.keyPair.fromSeed(seed)
      const sig = nacl.sign.detached(msg, kp.secretKey)
      expect(await impl.verify(kp.publicKey, msg, sig)).toBe(true)
      expect(await impl.signatureHolds(seed, kp.publicKey, msg, sig)).toBe(true)
      const badSig = Uint8Array.from(sig)
      badSig[flip % 64] = (badSig[flip % 64] as number) ^ 1
      expect(await impl.verify(kp.publicKey, msg, badSig)).toBe(false)
      expect(await impl.signatureHolds(seed, kp.publicKey, msg, badSig)).toBe(false)
      if (msg.length > 0) {
        const badMsg = Uint8Array.from(msg)
        badMsg[flip % msg.length] = (badMsg[flip % msg.length] as number) ^ 0x80
        expect(await impl.verify(kp.publicKey, badMsg, sig)).toBe(false)
      }
    }), { numRuns: 10 })
  })

  it('returns false, never throws, on malformed keys, signatures and messages', async () => {
    const kp = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7))
    const msg = new Uint8Array([1, 2, 3])
    const sig = nacl.sign.detached(msg, kp.secretKey)
    const cases: Array<[unknown, unknown, unknown]> = [
      [kp.publicKey.subarray(0, 31), msg, sig],
      [new Uint8Array(33), msg, sig],
      [kp.publicKey, msg, sig.subarray(0, 63)],
      [kp.publicKey, msg, new Uint8Array(65)],
      [new Uint8Array(32).fill(0xff), msg, sig], // not a point on the curve
      [new Uint8Array(32), msg, sig], // small-order point
      ['not bytes', msg, sig],
      [kp.publicKey, 'not bytes', sig],
      [kp.publicKey, msg, null]
    ]
    for (const [pk, m, s] of cases) {
      expect(await impl.verify(pk as Uint8Array, m as Uint8Array, s as Uint8Array)).toBe(false)
    }
    // A signature with S ≥ L (malleated by adding the group order) is refused, as RFC 8032 requires.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]
    const malleated = Uint8Array.from(sig)
    let carry = 0
    for (let i = 0; i < 32; i++) {
      const v = (malleated[32 + i] as number) + (L[i] as number) + carry
      malleated[32 + i] = v & 0xff
      carry = v >> 8
    }
    expect(await impl.verify(kp.publicKey, msg, malleated)).toBe(false)
  })

  it('refuses a seed of the wrong length', async () => {
    await expect(impl.sign(new Uint8Array(31), new Uint8Array(1))).rejects.toThrow(/seed/)
    expect(() => impl.publicKeyFromSeed(new Uint8Array(64))).toThrow(/seed/)
  })
})

describe('node:crypto and WebCrypto agree', () => {
  it('produce identical signatures and verify each other', async () => {
    await fc.assert(fc.asyncProperty(seedArb, msgArb, async (seed, msg) => {
      const a = await nodeImpl.sign(seed, msg)
      const b = await browserImpl.sign(seed, msg)
      expect(a).toEqual(b)
      const pk = nodeImpl.publicKeyFromSeed(seed)
      expect(await browserImpl.verify(pk, msg, a)).toBe(true)
      expect(await nodeImpl.verify(pk, msg, b)).toBe(true)
    }), { numRuns: 10 })
  })

  it('keeps working past the key cache size (eviction does not break anything)', async () => {
    const msg = new Uint8Array([9])
    for (let i = 0; i < 1100; i += 1) {
      const seed = new Uint8Array(32)
      new DataView(seed.buffer).setUint32(0, i)
      if (i % 100 === 0 || i > 1090) {
        const sig = await nodeImpl.sign(seed, msg)
        expect(await nodeImpl.verify(nodeImpl.publicKeyFromSeed(seed), msg, sig)).toBe(true)
      } else {
        await nodeImpl.sign(seed, msg)
      }
    }
  })
})
