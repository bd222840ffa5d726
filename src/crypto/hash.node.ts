/**
 * SHA-256 and HMAC-SHA256 on node:crypto (OpenSSL): a message id's HMAC took 5 % of a seal+open round with
 * @noble/hashes (bench/crypto.ts profile), and every gossipsub message id is a SHA-256 of the data. Selected by the
 * `#hash` import condition; hash.browser.ts is the twin, with the same bytes.
 */
import { createHash, createHmac } from 'node:crypto'

function bytesOf (b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** HMAC-SHA256(key, message). */
export function hmacSha256 (key: Uint8Array, message: Uint8Array): Uint8Array {
  return bytesOf(createHmac('sha256', key).update(message).digest())
}

/** SHA-256(message). */
export function sha256 (message: Uint8Array): Uint8Array {
  return bytesOf(createHash('sha256').update(message).digest())
}
