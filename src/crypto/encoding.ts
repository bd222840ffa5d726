/**
 * Text encodings of bytes, from uint8arrays (multiformats bases), except hex encoding: it names every message
 * (`idText`), and on a cold open of a 100k-message room the generic base16 encoder cost ~40 ms, a table ~5 ms.
 * Decoders throw on invalid characters; callers wrap that in their own typed error.
 */
import { toString, fromString } from 'uint8arrays'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/** Lowercase hex (base16 without the multibase prefix). */
export function toHex (bytes: Uint8Array): string {
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
