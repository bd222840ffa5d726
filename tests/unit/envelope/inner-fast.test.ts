import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import { canonicalTextInner } from '../../../src/envelope/inner-fast.ts'
import { MAX_INNER_BYTES } from '../../../src/constants.ts'

const strict = (b: Uint8Array): { ok: true, value: unknown } | { ok: false } => {
  try { return { ok: true, value: decodeCbor(b, { maxBytes: MAX_INNER_BYTES }) } } catch { return { ok: false } }
}
const uintArb = fc.oneof(fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat(), fc.maxSafeNat())
const innerArb = fc.record({
  a: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  text: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 30 }), fc.constantFrom('', 'x'.repeat(23), 'x'.repeat(24), 'x'.repeat(255), 'x'.repeat(256), '\uFEFFhi', '\uFFFD')),
  d: uintArb, s: uintArb, t: uintArb, v: uintArb
}).map(r => encodeCbor({ v: r.v, a: r.a, d: r.d, s: r.s, t: r.t, b: { k: 'text', text: r.text } }))

// The fast path must return exactly what the strict decoder returns, and nothing for input the decoder refuses.
describe('canonicalTextInner', () => {
  it('equals the strict decoder on canonical text inners', () => {
    let hits = 0
    fc.assert(fc.property(innerArb, (bytes) => {
      const fast = canonicalTextInner(bytes, MAX_INNER_BYTES)
      const ref = strict(bytes)
      expect(ref.ok).toBe(true)
      if (fast !== undefined && ref.ok) { hits++; expect(fast).toEqual(ref.value) }
    }), { numRuns: 2000 })
    expect(hits).toBeGreaterThan(1800) // only texts starting with a BOM miss
  })

  it('never accepts what the strict decoder refuses or reads differently (mutations)', () => {
    fc.assert(fc.property(innerArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.integer({ min: -2, max: 2 }),
      (bytes, edits, cut) => {
        let b = Uint8Array.from(bytes)
        for (const [pos, val] of edits) b[pos % b.length] = val
        if (cut < 0) b = b.subarray(0, b.length + cut)
        if (cut > 0) b = Uint8Array.from([...b, ...new Array<number>(cut).fill(0)])
        const fast = canonicalTextInner(b, MAX_INNER_BYTES)
        if (fast === undefined) return
        const ref = strict(b)
        expect(ref.ok).toBe(true)
        if (ref.ok) expect(fast).toEqual(ref.value)
      }), { numRuns: 5000 })
  })

  it('leaves non-shortest heads, invalid UTF-8, a BOM and other bodies to the strict decoder', () => {
    const base = encodeCbor({ v: 1, a: new Uint8Array(32), d: 1, s: 1, t: 5, b: { k: 'text', text: 'hi' } })
    expect(canonicalTextInner(base, MAX_INNER_BYTES)).toEqual(decodeCbor(base, { maxBytes: MAX_INNER_BYTES }))
    const nonShortest = Uint8Array.from([...base.subarray(0, base.length - 1), 0x18, 0x01])
    expect(canonicalTextInner(nonShortest, MAX_INNER_BYTES)).toBeUndefined()
    const bad = Uint8Array.from(base); bad[base.length - 14] = 0xff // "hi" → invalid UTF-8
    expect(canonicalTextInner(bad, MAX_INNER_BYTES)).toBeUndefined()
    const bom = encodeCbor({ v: 1, a: new Uint8Array(32), d: 1, s: 1, t: 5, b: { k: 'text', text: '\uFEFFhi' } })
    expect(canonicalTextInner(bom, MAX_INNER_BYTES)).toBeUndefined()
    const reply = encodeCbor({ v: 1, a: new Uint8Array(32), d: 1, s: 1, t: 5, b: { k: 'text', text: 'hi', reply: { id: new Uint8Array(16) } } })
    expect(canonicalTextInner(reply, MAX_INNER_BYTES)).toBeUndefined()
    expect(canonicalTextInner(base, base.length - 1)).toBeUndefined()
  })
})
