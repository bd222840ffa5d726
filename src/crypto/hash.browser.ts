/**
 * SHA-256 and HMAC-SHA256 in the browser: @noble/hashes, synchronous (WebCrypto's digest is async only, and these
 * sit in synchronous paths such as message ids). Selected by the `#hash` import condition; hash.node.ts is the twin.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

/** HMAC-SHA256(key, message). */
export function hmacSha256 (key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, message)
}

/** SHA-256(message). */
export function sha256 (message: Uint8Array): Uint8Array {
  return nobleSha256(message)
}
