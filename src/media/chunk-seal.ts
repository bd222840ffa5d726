/**
 * Sealing a media chunk straight into its wire message: the same bytes as `encodeMediaMessage({ t: T_CHUNK, i,
 * c: sealChunk(plain, i, key) })` (tested against it), without the generic CBOR encoder's passes and copies over
 * 64 KiB, and with tweetnacl's secretbox in one pass (its `nacl.secretbox` derives the HSalsa20 subkey and the
 * first Salsa20 block twice and pads the message in a JS loop: a third of a server's CPU per file in bench P9).
 * Where `tweetnacl` is aliased to the @noble code (web build), its own secretbox is used and copied in once.
 */
import nacl from 'tweetnacl'
import { NONCE_BYTES, ROOM_KEY_BYTES, SECRETBOX_OVERHEAD_BYTES } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { chunkMessageFrame } from './codec.ts'
import { chunkNonce, sealChunk } from './crypto.ts'

interface LowLevel {
  crypto_core_hsalsa20: (out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array) => void
  crypto_stream_salsa20_xor: (c: Uint8Array, cpos: number, m: Uint8Array, mpos: number, b: number, n: Uint8Array, k: Uint8Array) => number
  crypto_onetimeauth: (out: Uint8Array, outpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array) => number
}
const low = (nacl as { lowlevel?: LowLevel }).lowlevel
const SIGMA = Uint8Array.of(101, 120, 112, 97, 110, 100, 32, 51, 50, 45, 98, 121, 116, 101, 32, 107)
const subkey = new Uint8Array(32)
const nonceTail = new Uint8Array(8)
/** Scratch for 32 zero bytes ‖ plaintext, grown to the largest chunk seen (one chunk, 64 KiB + 32). */
let scratch = new Uint8Array(0)

/** XSalsa20-Poly1305 of `plain` (tag ‖ ciphertext, as nacl.secretbox) written to `out` at `at`. */
function sealInto (ll: LowLevel, plain: Uint8Array, nonce: Uint8Array, key: Uint8Array, out: Uint8Array, at: number): void {
  if (key.length !== ROOM_KEY_BYTES || nonce.length !== NONCE_BYTES) throw new InvalidArgumentError('bad secretbox key or nonce')
  const n = plain.length
  if (scratch.length < 32 + n) scratch = new Uint8Array(32 + n)
  const m = scratch.subarray(0, 32 + n)
  m.fill(0, 0, 32)
  m.set(plain, 32)
  ll.crypto_core_hsalsa20(subkey, nonce, key, SIGMA)
  nonceTail.set(nonce.subarray(16, 24))
  // The stream's first 32 bytes (XORed onto zeros) are the Poly1305 key; the rest encrypts the chunk in place.
  ll.crypto_stream_salsa20_xor(m, 0, m, 0, 32 + n, nonceTail, subkey)
  ll.crypto_onetimeauth(out, at, m, 32, n, m.subarray(0, 32))
  out.set(m.subarray(32), at + SECRETBOX_OVERHEAD_BYTES)
  subkey.fill(0)
  m.fill(0)
}

/** The encoded chunk message (no length prefix) of chunk `index` sealed with the file key. */
export function sealedChunkMessage (plain: Uint8Array, index: number, key: Uint8Array): Uint8Array {
  const sealedLength = plain.length + SECRETBOX_OVERHEAD_BYTES
  const { bytes, offset } = chunkMessageFrame(index, sealedLength)
  if (low !== undefined) sealInto(low, plain, chunkNonce(index), key, bytes, offset)
  else bytes.set(sealChunk(plain, index, key), offset)
  return bytes
}
