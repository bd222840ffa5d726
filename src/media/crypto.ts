/**
 * Media cryptography (PROTOCOL.md "Media protocol"): chunking, chunk hashes and their root, chunk sealing with
 * the per-file key, and the room proof that lets only room members ask for a file.
 */
import {
  MEDIA_CHUNK_BYTES, NONCE_BYTES, ROOM_KEY_BYTES, TAG_MEDIA_NONCE, TAG_MEDIA_PROOF
} from '../constants.ts'
import { concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { hmacSha256 } from '#hash'
import { secretboxOpen, secretboxSeal } from '../crypto/secretbox.ts'
import { DecryptionError } from '../errors.ts'

const NONCE_PREFIX = deriveKey(utf8Encode(TAG_MEDIA_NONCE), TAG_MEDIA_NONCE, NONCE_BYTES - 8)

/** SHA-256 with the platform's native implementation (WebCrypto in browsers and Node): ~3× the JS one per chunk. */
export async function sha256Native (bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

/** Number of chunks of a file of `size` bytes (an empty file has none). */
export function chunkCount (size: number, chunkBytes = MEDIA_CHUNK_BYTES): number {
  return Math.ceil(size / chunkBytes)
}

/** Plaintext length of chunk `index` of a file of `size` bytes. */
export function chunkLength (size: number, index: number, chunkBytes = MEDIA_CHUNK_BYTES): number {
  return Math.min(chunkBytes, size - index * chunkBytes)
}

/** SHA-256 of every chunk of `bytes`. */
export async function chunkHashes (bytes: Uint8Array, chunkBytes = MEDIA_CHUNK_BYTES): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (let off = 0; off < bytes.length; off += chunkBytes) out.push(await sha256Native(bytes.subarray(off, off + chunkBytes)))
  return out
}

/** The root a `file` message carries: SHA-256 of the chunk hashes concatenated in order. */
export async function hashListRoot (hashes: Uint8Array[]): Promise<Uint8Array> {
  return await sha256Native(concatBytes(...hashes))
}

/**
 * Nonce of chunk `index`: a fixed 16-byte prefix ‖ index as u64 big-endian. The key is fresh per file and every
 * index always seals the same plaintext, so a nonce never covers two different messages under one key.
 */
export function chunkNonce (index: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES)
  nonce.set(NONCE_PREFIX)
  new DataView(nonce.buffer).setBigUint64(NONCE_BYTES - 8, BigInt(index))
  return nonce
}

export function sealChunk (plain: Uint8Array, index: number, key: Uint8Array): Uint8Array {
  return secretboxSeal(plain, chunkNonce(index), key)
}

/** Opens a sealed chunk; throws DecryptionError when it was not sealed with this key for this index. */
export function openChunk (sealed: Uint8Array, index: number, key: Uint8Array): Uint8Array {
  return secretboxOpen(sealed, chunkNonce(index), key)
}

/**
 * HKDF tag of the AES-256-GCM chunk key (PROTOCOL.md "Media protocol", "AES-GCM chunks"): derived from the file key,
 * so one key never serves two ciphers.
 */
export const TAG_MEDIA_AEAD = 'chatsphere/v1/media/aes-gcm'

/** AES-256-GCM key of a file (a non-extractable WebCrypto key): HKDF(file key, TAG_MEDIA_AEAD, 32). */
export async function aeadChunkKey (fileKey: Uint8Array): Promise<CryptoKey> {
  return await globalThis.crypto.subtle.importKey('raw', deriveKey(fileKey, TAG_MEDIA_AEAD, 32) as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

/** GCM nonce of chunk `index`: 4 zero bytes ‖ index as u64 big-endian (the key is unique to the file; see chunkNonce). */
function aeadNonce (index: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12)
  new DataView(iv.buffer).setBigUint64(4, BigInt(index))
  return iv
}

/**
 * Chunk `index` sealed with AES-256-GCM (16-byte tag appended: the same length as a secretbox). The platform's
 * native AES (WebCrypto) costs a few ms per MB where the JavaScript XSalsa20-Poly1305 costs ~25 (both ends).
 */
export async function sealChunkAead (plain: Uint8Array, index: number, key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: aeadNonce(index) }, key, plain as Uint8Array<ArrayBuffer>))
}

/** Opens an AES-GCM chunk; throws DecryptionError when it was not sealed with this key for this index. */
export async function openChunkAead (sealed: Uint8Array, index: number, key: CryptoKey): Promise<Uint8Array> {
  try {
    return new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: aeadNonce(index) }, key, sealed as Uint8Array<ArrayBuffer>))
  } catch (err) {
    throw new DecryptionError('media chunk does not open with the file key', { cause: err })
  }
}

/** The room's media proof key (derived from the room secret: only members have it). */
export function mediaProofKey (roomSecret: Uint8Array): Uint8Array {
  return deriveKey(roomSecret, TAG_MEDIA_PROOF, ROOM_KEY_BYTES)
}

/**
 * Proof that the requester is a room member, bound to this file message, to the requester's peer id (authenticated
 * by the connection's Noise handshake) and to the server's, so a proof seen by one server cannot be replayed by
 * anyone else nor to another server.
 */
export function mediaProof (proofKey: Uint8Array, messageId: Uint8Array, requester: string, server: string): Uint8Array {
  return hmacSha256(proofKey, concatBytes(messageId, utf8Encode(`\n${requester}\n${server}`)))
}
