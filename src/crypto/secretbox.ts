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
 * `secretboxSeal` written into `out` at `at` (tag ‖ ciphertext, plaintext.length + 16 bytes), same bytes. With
 * tweetnacl's low-level functions it runs in one pass: `nacl.secretbox` derives the HSalsa20 subkey and the first
 * Salsa20 block twice and pads the message in a JS loop (a third of a media server's CPU per file in bench P9).
 */
export function secretboxSealInto (plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array, out: Uint8Array, at: number): void {
  checkKeyNonce(key, nonce)
  if (low === undefined) {
    out.set(nacl.secretbox(plaintext, nonce, key), at)
    return
  }
  const n = plaintext.length
  if (sealScratch.length < 32 + n) sealScratch = new Uint8Array(32 + n)
  const m = sealScratch.subarray(0, 32 + n)
  m.fill(0, 0, 32)
  m.set(plaintext, 32)
  low.crypto_core_hsalsa20(subkey, nonce, key, SIGMA)
  nonceTail.set(nonce.subarray(16, 24))
  // The stream's first 32 bytes (XORed onto zeros) are the Poly1305 key; the rest encrypts the message in place.
  low.crypto_stream_salsa20_xor(m, 0, m, 0, 32 + n, nonceTail, subkey)
  low.crypto_onetimeauth(out, at, m, 32, n, m.subarray(0, 32))
  out.set(m.subarray(32), at + SECRETBOX_OVERHEAD_BYTES)
  subkey.fill(0)
  m.fill(0)
}

/**
 * Opens a secretbox. Throws DecryptionError when the ciphertext is too short or fails authentication; never
 * returns partial plaintext.
 */
export function secretboxOpen (ciphertext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce)
  if (ciphertext.length < SECRETBOX_OVERHEAD_BYTES) throw new DecryptionError('ciphertext shorter than its authenticator')
  const plain = low !== undefined ? openOnePass(low, ciphertext, nonce, key) : nacl.secretbox.open(ciphertext, nonce, key)
  if (plain === null) throw new DecryptionError('ciphertext does not open with this key')
  return plain
}

/**
 * tweetnacl's low-level functions; absent where `tweetnacl` is aliased to src/crypto/nacl-noble.ts (the web
 * build), which then uses its own secretbox.open.
 */
interface LowLevel {
  crypto_core_hsalsa20: (out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array) => void
  crypto_stream_salsa20_xor: (c: Uint8Array, cpos: number, m: Uint8Array, mpos: number, b: number, n: Uint8Array, k: Uint8Array) => number
  crypto_onetimeauth: (out: Uint8Array, outpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array) => number
  crypto_onetimeauth_verify: (h: Uint8Array, hpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array) => number
}
const low = (nacl as { lowlevel?: LowLevel }).lowlevel
const SIGMA = Uint8Array.of(101, 120, 112, 97, 110, 100, 32, 51, 50, 45, 98, 121, 116, 101, 32, 107)
const subkey = new Uint8Array(32)
const nonceTail = new Uint8Array(8)
/** 32 zero bytes ‖ plaintext for the one-pass seal, grown to the largest message sealed (a 64 KiB media chunk). */
let sealScratch = new Uint8Array(0)

/**
 * nacl.secretbox.open in one pass, same result: tweetnacl's version derives the HSalsa20 subkey and the first
 * Salsa20 block twice and copies the box into a padded buffer in a JS loop (~40% of its time for a 400-byte
 * message; a cold open decrypts 100k of them). Here the box is copied once (memcpy) behind 32 zero bytes and XORed
 * with the stream in place, which yields the Poly1305 key (the stream's first 32 bytes) and the plaintext; the tag
 * is then checked over the original ciphertext, and on failure the buffer is wiped and nothing is returned.
 */
function openOnePass (ll: LowLevel, box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  const tag = SECRETBOX_OVERHEAD_BYTES
  const n = box.length - tag
  const m = new Uint8Array(32 + n)
  m.set(box.subarray(tag), 32)
  ll.crypto_core_hsalsa20(subkey, nonce, key, SIGMA)
  nonceTail.set(nonce.subarray(16, 24))
  ll.crypto_stream_salsa20_xor(m, 0, m, 0, 32 + n, nonceTail, subkey)
  const ok = ll.crypto_onetimeauth_verify(box, 0, box, tag, n, m.subarray(0, 32)) === 0
  subkey.fill(0)
  m.fill(0, 0, 32)
  if (!ok) { m.fill(0); return null }
  return m.subarray(32)
}
