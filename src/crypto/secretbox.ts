/**
 * XSalsa20-Poly1305 secretbox (tweetnacl). A benchmark (bench/crypto.ts) shows it costs a few µs for a chat
 * message, so no faster (and bigger) dependency is worth adding.
 */
import nacl from 'tweetnacl'
import { NONCE_BYTES, ROOM_KEY_BYTES, SECRETBOX_OVERHEAD_BYTES } from '../constants.ts'
import { DecryptionError, InvalidArgumentError } from '../errors.ts'

function checkKeyNonce (key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== ROOM_KEY_BYTES) throw new InvalidArgumentError(`secretbox key must be ${ROOM_KEY_BYTES} bytes`)
  if (nonce.length !== NONCE_BYTES) throw new InvalidArgumentError(`secretbox nonce must be ${NONCE_BYTES} bytes`)
}

/** Encrypts and authenticates `plaintext`; the result is 16 bytes longer. */
export function secretboxSeal (plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce)
  return nacl.secretbox(plaintext, nonce, key)
}

/**
 * Opens a secretbox. Throws DecryptionError when the ciphertext is too short or fails authentication; never
 * returns partial plaintext.
 */
export function secretboxOpen (ciphertext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce)
  if (ciphertext.length < SECRETBOX_OVERHEAD_BYTES) throw new DecryptionError('ciphertext shorter than its authenticator')
  const plain = nacl.secretbox.open(ciphertext, nonce, key)
  if (plain === null) throw new DecryptionError('ciphertext does not open with this key')
  return plain
}
