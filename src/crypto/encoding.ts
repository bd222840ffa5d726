/**
 * Text encodings of bytes, from uint8arrays (multiformats bases), except hex encoding: it names every message
 * (`idText`), and on a cold open of a 100k-message room the generic base16 encoder cost ~40 ms, a table ~5 ms.
 * Decoders throw on invalid characters; callers wrap that in their own typed error.
 */
import { toString, fromString } from 'uint8arrays'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/** Char codes of the two hex digits of every byte value: [2b] high nibble, [2b + 1] low nibble. */
const HEX_CODES = new Uint8Array(512)
for (let b = 0; b < 256; b++) {
  HEX_CODES[2 * b] = (HEX_PAIRS[b] as string).charCodeAt(0)
  HEX_CODES[2 * b + 1] = (HEX_PAIRS[b] as string).charCodeAt(1)
}

/**
 * Lowercase hex of the 16 bytes of `b` at `at` (a message id) as one flat string. Pieces joined with `+` make a
 * chain of string parts that the first map lookup copies into a flat string again: on a cold open every message's
 * id is a map key several times over.
 */
export function hex16At (b: Uint8Array, at: number): string {
  const c = HEX_CODES
  const x0 = (b[at] as number) * 2; const x1 = (b[at + 1] as number) * 2; const x2 = (b[at + 2] as number) * 2; const x3 = (b[at + 3] as number) * 2
  const x4 = (b[at + 4] as number) * 2; const x5 = (b[at + 5] as number) * 2; const x6 = (b[at + 6] as number) * 2; const x7 = (b[at + 7] as number) * 2
  const x8 = (b[at + 8] as number) * 2; const x9 = (b[at + 9] as number) * 2; const xa = (b[at + 10] as number) * 2; const xb = (b[at + 11] as number) * 2
  const xc = (b[at + 12] as number) * 2; const xd = (b[at + 13] as number) * 2; const xe = (b[at + 14] as number) * 2; const xf = (b[at + 15] as number) * 2
  return String.fromCharCode(
    c[x0] as number, c[x0 + 1] as number, c[x1] as number, c[x1 + 1] as number, c[x2] as number, c[x2 + 1] as number, c[x3] as number, c[x3 + 1] as number,
    c[x4] as number, c[x4 + 1] as number, c[x5] as number, c[x5 + 1] as number, c[x6] as number, c[x6 + 1] as number, c[x7] as number, c[x7 + 1] as number,
    c[x8] as number, c[x8 + 1] as number, c[x9] as number, c[x9 + 1] as number, c[xa] as number, c[xa + 1] as number, c[xb] as number, c[xb + 1] as number,
    c[xc] as number, c[xc + 1] as number, c[xd] as number, c[xd + 1] as number, c[xe] as number, c[xe + 1] as number, c[xf] as number, c[xf + 1] as number)
}

/** Lowercase hex (base16 without the multibase prefix). */
export function toHex (bytes: Uint8Array): string {
  if (bytes.length === 16) return hex16At(bytes, 0)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i] as number] as string
  return out
}
export function fromHex (text: string): Uint8Array { return fromString(text, 'base16') }
/** base58btc (Bitcoin alphabet), without the multibase prefix. */
export function toBase58 (bytes: Uint8Array): string { return toString(bytes, 'base58btc') }
export function fromBase58 (text: string): Uint8Array { return fromString(text, 'base58btc') }
/** base64url without padding (RFC 4648 §5). */
export function toBase64Url (bytes: Uint8Array): string { return toString(bytes, 'base64url') }
export function fromBase64Url (text: string): Uint8Array { return fromString(text, 'base64url') }
/** RFC 4648 base32, lowercase, without padding. */
export function toBase32 (bytes: Uint8Array): string { return toString(bytes, 'base32') }
export function fromBase32 (text: string): Uint8Array { return fromString(text, 'base32') }

export function utf8Encode (text: string): Uint8Array { return utf8Encoder.encode(text) }
/** Strict UTF-8 decode: invalid sequences throw instead of becoming U+FFFD. */
export function utf8Decode (bytes: Uint8Array): string { return utf8Decoder.decode(bytes) }

/** Byte length of `text` in UTF-8 without allocating (for limit checks). */
export function utf8Length (text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++ } else n += 3
  }
  return n
}

/** Concatenates byte arrays into one new array. */
export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

/** Constant-time equality of two byte arrays (lengths are not secret). */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number)
  return d === 0
}
