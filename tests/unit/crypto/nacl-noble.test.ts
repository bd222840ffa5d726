// The browser build replaces tweetnacl with src/crypto/nacl-noble.ts (web/vite.config.ts): its bytes must be
// tweetnacl's, for every function ChatSphere calls, on fixed vectors and on random inputs.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import tweetnacl from 'tweetnacl'
import nacl from '../../../src/crypto/nacl-noble.ts'
import { fromHex, toHex } from '../../../src/crypto/encoding.ts'

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n })
const message = fc.uint8Array({ minLength: 0, maxLength: 300 })

describe('nacl-noble: same bytes as tweetnacl', () => {
  it('secretbox: the NaCl test vector (box7 from the NaCl distribution, first bytes)', () => {
    // Key, nonce and the first message bytes of NaCl's tests/secretbox.c; tweetnacl gives the same ciphertext.
    const key = fromHex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389')
    const nonce = fromHex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37')
    const msg = fromHex('be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705')
    const expected = 'f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5'
    expect(toHex(nacl.secretbox(msg, nonce, key))).toBe(expected)
    expect(toHex(tweetnacl.secretbox(msg, nonce, key))).toBe(expected)
    expect(toHex(nacl.secretbox.open(fromHex(expected), nonce, key) ?? new Uint8Array())).toBe(toHex(msg))
  })

  it('secretbox and secretbox.open on random inputs', () => {
    fc.assert(fc.property(message, bytes(24), bytes(32), (msg, nonce, key) => {
      const ours = nacl.secretbox(msg, nonce, key)
      expect(toHex(ours)).toBe(toHex(tweetnacl.secretbox(msg, nonce, key)))
      expect(toHex(nacl.secretbox.open(ours, nonce, key) ?? new Uint8Array([1]))).toBe(toHex(msg))
      const bad = Uint8Array.from(ours)
      bad[ours.length - 1] = (bad[ours.length - 1] as number) ^ 1
      expect(nacl.secretbox.open(bad, nonce, key)).toBeNull()
      expect(tweetnacl.secretbox.open(bad, nonce, key)).toBeNull()
      const badTag = Uint8Array.from(ours)
      badTag[0] = (badTag[0] as number) ^ 0x80
      expect(nacl.secretbox.open(badTag, nonce, key)).toBeNull()
    }), { numRuns: 200 })
  })

  it('secretbox.open refuses boxes shorter than the tag like tweetnacl', () => {
    const key = new Uint8Array(32)
    const nonce = new Uint8Array(24)
    for (const n of [0, 1, 15]) {
      expect(nacl.secretbox.open(new Uint8Array(n), nonce, key)).toBeNull()
      expect(tweetnacl.secretbox.open(new Uint8Array(n), nonce, key)).toBeNull()
    }
  })

  it('box, box.open, box.before and the key pair of a secret key on random inputs', () => {
    fc.assert(fc.property(message, bytes(24), bytes(32), bytes(32), (msg, nonce, skA, skB) => {
      const a = nacl.box.keyPair.fromSecretKey(skA)
      const b = nacl.box.keyPair.fromSecretKey(skB)
      expect(toHex(a.publicKey)).toBe(toHex(tweetnacl.box.keyPair.fromSecretKey(skA).publicKey))
      expect(toHex(nacl.box.before(b.publicKey, skA))).toBe(toHex(tweetnacl.box.before(b.publicKey, skA)))
      const ours = nacl.box(msg, nonce, b.publicKey, skA)
      expect(toHex(ours)).toBe(toHex(tweetnacl.box(msg, nonce, b.publicKey, skA)))
      expect(toHex(nacl.box.open(ours, nonce, a.publicKey, skB) ?? new Uint8Array([1]))).toBe(toHex(msg))
      expect(toHex(tweetnacl.box.open(ours, nonce, a.publicKey, skB) ?? new Uint8Array([1]))).toBe(toHex(msg))
    }), { numRuns: 100 })
  })

  it('scalarMult on random scalars and points (high bit set included), and low-order points give zeros', () => {
    fc.assert(fc.property(bytes(32), bytes(32), (n, p) => {
      expect(toHex(nacl.scalarMult(n, p))).toBe(toHex(tweetnacl.scalarMult(n, p)))
      expect(toHex(nacl.scalarMult.base(n))).toBe(toHex(tweetnacl.scalarMult.base(n)))
    }), { numRuns: 100 })
    const n = new Uint8Array(32).fill(7)
    for (const lowOrder of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
      expect(toHex(nacl.scalarMult(n, lowOrder))).toBe(toHex(tweetnacl.scalarMult(n, lowOrder)))
      expect(toHex(nacl.box.before(lowOrder, n))).toBe(toHex(tweetnacl.box.before(lowOrder, n)))
    }
  })

  it('sign: key pair from a seed, detached signatures and their verification', () => {
    fc.assert(fc.property(message, bytes(32), (msg, seed) => {
      const ours = nacl.sign.keyPair.fromSeed(seed)
      const theirs = tweetnacl.sign.keyPair.fromSeed(seed)
      expect(toHex(ours.publicKey)).toBe(toHex(theirs.publicKey))
      expect(toHex(ours.secretKey)).toBe(toHex(theirs.secretKey))
      const sig = nacl.sign.detached(msg, ours.secretKey)
      expect(toHex(sig)).toBe(toHex(tweetnacl.sign.detached(msg, theirs.secretKey)))
      expect(nacl.sign.detached.verify(msg, sig, ours.publicKey)).toBe(true)
      const bad = Uint8Array.from(sig)
      bad[0] = (bad[0] as number) ^ 1
      expect(nacl.sign.detached.verify(msg, bad, ours.publicKey)).toBe(false)
      expect(tweetnacl.sign.detached.verify(msg, bad, ours.publicKey)).toBe(false)
    }), { numRuns: 100 })
  })

  it('sign: RFC 8032 test 1', () => {
    const kp = nacl.sign.keyPair.fromSeed(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'))
    expect(toHex(kp.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(toHex(nacl.sign.detached(new Uint8Array(), kp.secretKey))).toBe('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')
  })

  it('throws on wrong sizes as tweetnacl does', () => {
    expect(() => nacl.secretbox(new Uint8Array(1), new Uint8Array(23), new Uint8Array(32))).toThrow()
    expect(() => nacl.box.keyPair.fromSecretKey(new Uint8Array(31))).toThrow()
    expect(() => nacl.sign.keyPair.fromSeed(new Uint8Array(33))).toThrow()
    expect(() => nacl.scalarMult(new Uint8Array(32), new Uint8Array(31))).toThrow()
    expect(nacl.box.keyPair().secretKey.length).toBe(32)
    expect(nacl.secretbox.keyLength).toBe(tweetnacl.secretbox.keyLength)
    expect(nacl.box.overheadLength).toBe(tweetnacl.box.overheadLength)
    expect(nacl.box.nonceLength).toBe(tweetnacl.box.nonceLength)
    expect(nacl.box.secretKeyLength).toBe(tweetnacl.box.secretKeyLength)
  })
})
