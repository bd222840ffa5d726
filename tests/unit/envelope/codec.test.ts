import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import { MAX_CBOR_DEPTH, MAX_CBOR_ITEMS } from '../../../src/constants.ts'
import { MalformedError, OversizedError } from '../../../src/errors.ts'
import { fromHex } from '../../../src/crypto/encoding.ts'

const LIMIT = { maxBytes: 1024 }

describe('CBOR codec', () => {
  it('round-trips the values messages use, canonically (sorted keys, shortest integers)', () => {
    const value = { z: 1, a: new Uint8Array([1, 2]), m: [true, false, null, 'text', 2 ** 40], b: { k: 'text', text: 'é' } }
    const bytes = encodeCbor(value)
    expect(decodeCbor(bytes, LIMIT)).toEqual(value)
    expect(encodeCbor({ b: { text: 'é', k: 'text' }, m: value.m, a: value.a, z: 1 })).toEqual(bytes)
    expect(encodeCbor({ a: undefined, b: 1 })).toEqual(encodeCbor({ b: 1 }))
  })

  it('checks the input length against the limit before decoding', () => {
    expect(() => decodeCbor(new Uint8Array(1025), LIMIT)).toThrow(OversizedError)
    expect(() => decodeCbor(new Uint8Array(0), LIMIT)).toThrow(MalformedError)
  })

  it('refuses containers declaring more items than the limit before allocating them', () => {
    // array(2^32-1) and map(2^32-1) headers with no content: refused on the header, not after a huge allocation.
    expect(() => decodeCbor(fromHex('9affffffff'), LIMIT)).toThrow(OversizedError)
    expect(() => decodeCbor(fromHex('baffffffff'), LIMIT)).toThrow(OversizedError)
    const justOver = encodeCbor(Array.from({ length: MAX_CBOR_ITEMS + 1 }, () => 0))
    expect(() => decodeCbor(justOver, LIMIT)).toThrow(OversizedError)
    expect(decodeCbor(encodeCbor(Array.from({ length: MAX_CBOR_ITEMS }, () => 0)), LIMIT)).toHaveLength(MAX_CBOR_ITEMS)
    const bigMap = Object.fromEntries(Array.from({ length: MAX_CBOR_ITEMS + 1 }, (_, i) => [`k${i}`, i]))
    expect(() => decodeCbor(encodeCbor(bigMap), LIMIT)).toThrow(OversizedError)
  })

  it('refuses byte and text strings longer than the input (declared lengths are not trusted)', () => {
    expect(() => decodeCbor(fromHex('5affffffff00'), LIMIT)).toThrow(MalformedError)
    expect(() => decodeCbor(fromHex('7bffffffffffffffff00'), LIMIT)).toThrow(MalformedError)
  })

  it('refuses nesting deeper than the limit', () => {
    let deep: unknown = 0
    for (let i = 0; i < MAX_CBOR_DEPTH; i++) deep = [deep]
    expect(decodeCbor(encodeCbor(deep), LIMIT)).toEqual(deep)
    expect(() => decodeCbor(encodeCbor([deep]), LIMIT)).toThrow(MalformedError)
    // Depth counts maps too, and sibling containers do not add up.
    expect(decodeCbor(encodeCbor([[1], [2], { a: [3] }]), LIMIT)).toEqual([[1], [2], { a: [3] }])
    expect(() => decodeCbor(encodeCbor([1, 2]), { maxBytes: 10, maxDepth: 0 })).toThrow(MalformedError)
  })

  it('refuses tags, indefinite lengths, undefined, NaN, Infinity, huge integers, duplicate keys, non-minimal integers and trailing bytes', () => {
    const bad = [
      'c11a514b67b0', // tag 1 (epoch time)
      'd82a4100', // tag 42 (CID)
      '9f01ff', // indefinite array
      'bf6161 01ff', // indefinite map
      '5f4101ff', // indefinite bytes
      'f7', // undefined
      'f97e00', // NaN
      'f97c00', // Infinity
      '1bffffffffffffffff', // 2^64-1 (beyond safe integers)
      'a2616101616102', // duplicate key "a"
      '1801', // 1 encoded in two bytes
      '0101', // trailing byte
      'ff', // lone break
      '1c' // reserved additional info
    ]
    for (const hex of bad) expect(() => decodeCbor(fromHex(hex.replace(/ /g, '')), LIMIT), hex).toThrow(MalformedError)
  })

  it('refuses invalid UTF-8 in text strings (cborg alone would turn it into U+FFFD), keeps a genuine U+FFFD', () => {
    expect(() => decodeCbor(fromHex('62c328'), LIMIT)).toThrow(/not valid UTF-8/)
    expect(() => decodeCbor(fromHex('63eda080'), LIMIT)).toThrow(MalformedError) // an encoded surrogate
    expect(() => decodeCbor(fromHex('a1616b' + '62c328'), LIMIT)).toThrow(MalformedError)
    const long = 'x'.repeat(300) + '\uFFFD'
    expect(decodeCbor(encodeCbor({ a: '\uFFFD', b: long }), LIMIT)).toEqual({ a: '\uFFFD', b: long })
  })

  it('throws only MalformedError or OversizedError on any garbage', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
      try {
        decodeCbor(bytes, LIMIT)
      } catch (err) {
        expect(['MalformedError', 'OversizedError']).toContain((err as Error).name)
      }
    }), { numRuns: 2000 })
  })

  it('never lets a decoded byte string exceed the input', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      try {
        const v = decodeCbor(bytes, LIMIT)
        if (v instanceof Uint8Array) expect(v.length).toBeLessThan(bytes.length)
      } catch { /* refused: fine */ }
    }), { numRuns: 1000 })
  })
})
