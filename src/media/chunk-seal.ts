/**
 * Sealing a media chunk straight into its wire message: the same bytes as `encodeMediaMessage({ t: T_CHUNK, i,
 * c: sealChunk(plain, i, key) })` (tested against it), without the generic CBOR encoder's passes and copies over
 * 64 KiB, and with the one-pass secretbox of src/crypto/secretbox.ts.
 */
import { SECRETBOX_OVERHEAD_BYTES } from '../constants.ts'
import { secretboxSealInto } from '../crypto/secretbox.ts'
import { chunkMessageFrame } from './codec.ts'
import { chunkNonce, sealChunkAead } from './crypto.ts'

/** The encoded chunk message (no length prefix) of chunk `index` sealed with the file key. */
export function sealedChunkMessage (plain: Uint8Array, index: number, key: Uint8Array): Uint8Array {
  const { bytes, offset } = chunkMessageFrame(index, plain.length + SECRETBOX_OVERHEAD_BYTES)
  secretboxSealInto(plain, chunkNonce(index), key, bytes, offset)
  return bytes
}

/** The encoded chunk message of chunk `index` sealed with the file's AES-256-GCM key (aeadChunkKey). */
export async function aeadChunkMessage (plain: Uint8Array, index: number, key: CryptoKey): Promise<Uint8Array> {
  const sealed = await sealChunkAead(plain, index, key)
  const { bytes, offset } = chunkMessageFrame(index, sealed.length)
  bytes.set(sealed, offset)
  return bytes
}
