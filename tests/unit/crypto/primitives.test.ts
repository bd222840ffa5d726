import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { deriveKey } from '../../../src/crypto/hkdf.ts'
import * as nodeHash from '../../../src/crypto/hash.node.ts'
import * as browserHash from '../../../src/crypto/hash.browser.ts'
import { secretboxOpen, secretboxSeal } from '../../../src/crypto/secretbox.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import {
  bytesEqual, concatBytes, fromBase32, fromBase58, fromBase64Url, fromHex, toBase32, toBase58, toBase64Url, toHex,
  utf8Decode, utf8Encode, utf8Length
} from '../../../src/crypto/encoding.ts'
import { LruCache } from '../../../src/crypto/lru.ts'
import { DecryptionError, InvalidArgumentError } from '../../../src/errors.ts'

describe('HKDF-SHA256 (empty salt, tag as info)', () => {
  it('matches RFC 5869 test case 3 (empty salt and info)', () => {
    const okm = deriveKey(new Uint8Array(22).fill(0x0b), '', 42)
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8')
  })

  it('gives independent outputs for different tags', () => {
    const ikm = new Uint8Array(32).fill(1)
    expect(bytesEqual(deriveKey(ikm, 'a', 32), deriveKey(ikm, 'b', 32))).toBe(false)
  })
})

describe.each([['node:crypto', nodeHash], ['@noble/hashes (browser)', browserHash]])('HMAC and SHA-256 on %s', (_name, { hmacSha256, sha256 }) => {
  it('match RFC 4231 test cases 2 and 6 (key longer than a block) and the SHA-256 of "abc" and of ""', () => {
    expect(toHex(hmacSha256(utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?'))))
      .toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
    expect(toHex(hmacSha256(new Uint8Array(131).fill(0xaa), utf8Encode('Test Using Larger Than Block-Size Key - Hash Key First'))))
      .toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')
    expect(toHex(sha256(utf8Encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('give the same bytes as the other platform for any input, including views into larger buffers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), fc.nat(8), (key, msg, off) => {
      const view = new Uint8Array(msg.length + off + 3).fill(7).subarray(off, off + msg.length)
      view.set(msg)
      expect(toHex(hmacSha256(key, view))).toBe(toHex(browserHash.hmacSha256(key, msg)))
      expect(toHex(sha256(view))).toBe(toHex(nodeHash.sha256(msg)))
    }), { numRuns: 200 })
  })
})

describe('secretbox', () => {
  const key = randomBytes(32)
  const nonce = randomBytes(24)

  it('round-trips any plaintext and adds 16 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (plain) => {
      const box = secretboxSeal(plain, nonce, key)
      expect(box.length).toBe(plain.length + 16)
      expect(secretboxOpen(box, nonce, key)).toEqual(plain)
    }), { numRuns: 50 })
  })

  it('throws DecryptionError for any altered byte, wrong key or wrong nonce, and for short input', () => {
    const box = secretboxSeal(utf8Encode('hello'), nonce, key)
    for (let i = 0; i < box.length; i++) {
      const bad = Uint8Array.from(box)
      bad[i] = (bad[i] as number) ^ 1
      expect(() => secretboxOpen(bad, nonce, key)).toThrow(DecryptionError)
    }
    expect(() => secretboxOpen(box, nonce, randomBytes(32))).toThrow(DecryptionError)
    expect(() => secretboxOpen(box, randomBytes(24), key)).toThrow(DecryptionError)
    expect(() => secretboxOpen(box.subarray(0, 15), nonce, key)).toThrow(DecryptionError)
  })

  it('refuses keys and nonces of the wrong size', () => {
    expect(() => secretboxSeal(new Uint8Array(1), nonce, new Uint8Array(31))).toThrow(InvalidArgumentError)
    expect(() => secretboxSeal(new Uint8Array(1), new Uint8Array(23), key)).toThrow(InvalidArgumentError)
  })
})

describe('encodings', () => {
  it('round-trip hex, base58btc, base64url and base32', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(fromHex(toHex(b))).toEqual(b)
      expect(fromBase58(toBase58(b))).toEqual(b)
      expect(fromBase64Url(toBase64Url(b))).toEqual(b)
      expect(fromBase32(toBase32(b))).toEqual(b)
    }))
  })

  it('use the expected alphabets (lowercase hex/base32, url-safe base64 without padding)', () => {
    const b = Uint8Array.from([0xfb, 0xff, 0xbf])
    expect(toHex(b)).toBe('fbffbf')
    expect(toBase64Url(b)).toBe('-_-_')
    expect(toBase32(Uint8Array.from([0xff]))).toBe('74')
    expect(toBase58(Uint8Array.from([0, 0, 1]))).toBe('112')
  })

  it('throws on invalid characters', () => {
    expect(() => fromBase58('0OIl')).toThrow()
    expect(() => fromBase64Url('a+b/')).toThrow()
  })

  it('counts UTF-8 bytes like TextEncoder, and decodes strictly', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(utf8Length(s)).toBe(utf8Encode(s).length)
    }))
    expect(() => utf8Decode(Uint8Array.from([0xc3, 0x28]))).toThrow()
  })

  it('concatenates and compares bytes', () => {
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3))
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false)
  })
})

describe('randomBytes', () => {
  it('returns the requested number of bytes, also above the 64 KiB getRandomValues cap', () => {
    expect(randomBytes(0).length).toBe(0)
    const big = randomBytes(70_000)
    expect(big.length).toBe(70_000)
    expect(big.subarray(65_536).some((x) => x !== 0)).toBe(true)
    expect(bytesEqual(randomBytes(32), randomBytes(32))).toBe(false)
  })

  it('hands out small requests from a pool without ever repeating bytes or sharing memory, across refills', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const nonce = randomBytes(24)
      expect(nonce.buffer.byteLength).toBe(24)
      seen.add(toHex(nonce))
      nonce.fill(0)
    }
    // 24,000 bytes: five refills of the 4 KiB pool; a refill that skipped or a slice handed out twice would repeat.
    expect(seen.size).toBe(1000)
    expect(randomBytes(64).some((x) => x !== 0)).toBe(true)
  })
})

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its size', () => {
    const c = new LruCache<string, number>(2)
    c.set('a', 1)
    c.set('b', 2)
    expect(c.get('a')).toBe(1)
    c.set('c', 3)
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBe(1)
    expect(c.size).toBe(2)
  })
})
