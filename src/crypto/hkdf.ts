import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8Encode } from './encoding.ts'

const EMPTY = new Uint8Array(0)

/**
 * HKDF-SHA256 with an empty salt and the domain tag as `info` (PROTOCOL.md): one input key, many independent
 * outputs, one per tag.
 */
export function deriveKey (ikm: Uint8Array, tag: string, length: number): Uint8Array {
  return hkdf(sha256, ikm, EMPTY, utf8Encode(tag), length)
}
