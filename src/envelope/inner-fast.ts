/**
 * A fast path of the strict CBOR decoder for the commonest inner message, a text message without reply, in
 * exactly the canonical bytes sealMessage writes: {a: 32 bytes, b: {k: "text", text}, d, s, t, v} with shortest
 * integer and length heads. A cold open of a 100k-message room decodes 100k of them, and the generic tokenizer
 * was a fifth of that time. For those bytes it returns what `decodeCbor` returns; for ANY other input (another
 * body kind, a reply, a non-shortest head, invalid UTF-8, a leading BOM, trailing bytes...) it returns undefined
 * and the caller uses the strict decoder, so nothing it would refuse gets through here.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** a6 (map of 6), "a", bytes(32). */
const HEAD = [0xa6, 0x61, 0x61, 0x58, 0x20]
/** "b", a2 (map of 2), "k", "text", "text". */
const BODY_HEAD = [0x61, 0x62, 0xa2, 0x61, 0x6b, 0x64, 0x74, 0x65, 0x78, 0x74, 0x64, 0x74, 0x65, 0x78, 0x74]
/** Keys "d", "s", "t", "v" (one-char text strings). */
const INT_KEYS = [0x64, 0x73, 0x74, 0x76]

function matches (p: Uint8Array, at: number, expected: readonly number[]): boolean {
  if (at + expected.length > p.length) return false
  for (let i = 0; i < expected.length; i++) if (p[at + i] !== expected[i]) return false
  return true
}

/** Reads an unsigned integer with the shortest head at `at`: [value, next offset], or undefined. */
function uint (p: Uint8Array, at: number): [number, number] | undefined {
  const h = p[at]
  if (h === undefined) return undefined
  if (h < 0x18) return [h, at + 1]
  if (h === 0x18) { const v = p[at + 1]; return v !== undefined && v >= 24 ? [v, at + 2] : undefined }
  if (h === 0x19) { if (at + 3 > p.length) return undefined; const v = ((p[at + 1] as number) << 8) | (p[at + 2] as number); return v >= 256 ? [v, at + 3] : undefined }
  if (h === 0x1a) {
    if (at + 5 > p.length) return undefined
    const v = ((p[at + 1] as number) * 2 ** 24) + (((p[at + 2] as number) << 16) | ((p[at + 3] as number) << 8) | (p[at + 4] as number))
    return v >= 65536 ? [v, at + 5] : undefined
  }
  if (h === 0x1b) {
    if (at + 9 > p.length) return undefined
    let hi = 0
    let lo = 0
    for (let i = 1; i <= 4; i++) hi = hi * 256 + (p[at + i] as number)
    for (let i = 5; i <= 8; i++) lo = lo * 256 + (p[at + i] as number)
    // Shortest (needs 8 bytes) and a safe integer (no bigint), else the strict decoder decides.
    if (hi === 0 || hi > 0x1fffff) return undefined
    return [hi * 2 ** 32 + lo, at + 9]
  }
  return undefined
}

/** What `decodeCbor(p, { maxBytes })` returns when `p` is a canonical text message's inner map, else undefined. */
export function canonicalTextInner (p: Uint8Array, maxBytes: number): Record<string, unknown> | undefined {
  if (p.length > maxBytes || !matches(p, 0, HEAD) || p.length < HEAD.length + 32) return undefined
  let at = HEAD.length
  const a = p.slice(at, at + 32)
  at += 32
  if (!matches(p, at, BODY_HEAD)) return undefined
  at += BODY_HEAD.length
  const h = p[at]
  let len: number
  if (h === undefined) return undefined
  if (h >= 0x60 && h <= 0x77) { len = h - 0x60; at += 1 } else if (h === 0x78) { len = p[at + 1] ?? 0; if (len < 24) return undefined; at += 2 } else if (h === 0x79) {
    len = ((p[at + 1] ?? 0) << 8) | (p[at + 2] ?? 0); if (len < 256) return undefined; at += 3
  } else return undefined
  if (at + len > p.length) return undefined
  if (len >= 3 && p[at] === 0xef && p[at + 1] === 0xbb && p[at + 2] === 0xbf) return undefined
  let text: string
  try { text = strictUtf8.decode(p.subarray(at, at + len)) } catch { return undefined }
  at += len
  const ints: number[] = []
  for (const key of INT_KEYS) {
    if (p[at] !== 0x61 || p[at + 1] !== key) return undefined
    const r = uint(p, at + 2)
    if (r === undefined) return undefined
    ints.push(r[0])
    at = r[1]
  }
  if (at !== p.length) return undefined
  return { a, b: { k: 'text', text }, d: ints[0], s: ints[1], t: ints[2], v: ints[3] }
}
