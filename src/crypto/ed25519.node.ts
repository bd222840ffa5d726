/**
 * Ed25519 on node:crypto (OpenSSL): about 100× faster than tweetnacl and byte-compatible with it (RFC 8032).
 * Selected by the `#ed25519` import condition; src/crypto/ed25519.browser.ts is the WebCrypto twin.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ED25519_KEY_CACHE_SIZE, PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { PKCS8_ED25519_PREFIX, SPKI_ED25519_PREFIX, withPrefix } from './ed25519-der.ts'
import { bytesEqual } from './encoding.ts'
import { LruCache } from './lru.ts'

const privateKeys = new LruCache<string, KeyObject>(ED25519_KEY_CACHE_SIZE)
const publicKeys = new LruCache<string, KeyObject | null>(ED25519_KEY_CACHE_SIZE)

function cacheKey (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function privateKeyOf (seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new InvalidArgumentError(`Ed25519 seed must be ${SEED_BYTES} bytes`)
  }
  const id = cacheKey(seed)
  let key = privateKeys.get(id)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.from(withPrefix(PKCS8_ED25519_PREFIX, seed)), format: 'der', type: 'pkcs8' })
    privateKeys.set(id, key)
  }
  return key
}

/** Imported public key, or null if the bytes are not a valid point (cached too, so junk keys cost one import). */
function publicKeyOf (publicKey: Uint8Array): KeyObject | null {
  const id = cacheKey(publicKey)
  let key = publicKeys.get(id)
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(withPrefix(SPKI_ED25519_PREFIX, publicKey)), format: 'der', type: 'spki' })
    } catch {
      key = null
    }
    publicKeys.set(id, key)
  }
  return key
}

/** Detached Ed25519 signature (64 bytes) of `message` by the key whose 32-byte seed is `seed32`. */
export async function sign (seed32: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return signSync(seed32, message)
}

/** Synchronous form of {@link sign}, Node only. */
export function signSync (seed32: Uint8Array, message: Uint8Array): Uint8Array {
  const sig = nodeSign(null, message, privateKeyOf(seed32))
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength)
}

/** True only if `signature64` is a valid signature of `message` by `publicKey32`; false on any malformed input. */
export async function verify (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  return verifySync(publicKey32, message, signature64)
}

/** Synchronous form of {@link verify}, Node only. */
export function verifySync (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): boolean {
  if (!(publicKey32 instanceof Uint8Array) || publicKey32.length !== PUBLIC_KEY_BYTES) return false
  if (!(signature64 instanceof Uint8Array) || signature64.length !== SIGNATURE_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  const key = publicKeyOf(publicKey32)
  if (key === null) return false
  try {
    return nodeVerify(null, message, key, signature64)
  } catch {
    return false
  }
}

/**
 * Whether `signature64` is a valid signature of `message` by the key of `seed32`, for a caller that holds the seed
 * (a room member checking the room write signature). Ed25519 signing is deterministic (RFC 8032): every conforming
 * signer makes the same 64 bytes over the same message, so when ours equal the given ones the signature is valid,
 * for the price of a signature (~30 µs) instead of a verification (~80 µs). Anything else is verified against
 * `publicKey32` (which must be the seed's public key), so the answer is always exactly verify's: a valid signature
 * made another way (hedged signing) is still accepted, a bad one costs both. The comparison is constant-time, so
 * timing never tells a forger how much of the valid signature it guessed.
 */
export function signatureHoldsSync (seed32: Uint8Array, publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): boolean {
  if (!(signature64 instanceof Uint8Array) || signature64.length !== SIGNATURE_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  if (bytesEqual(signSync(seed32, message), signature64)) return true
  return verifySync(publicKey32, message, signature64)
}

/** {@link signatureHoldsSync}, with the same signature as the browser twin. */
export async function signatureHolds (seed32: Uint8Array, publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  return signatureHoldsSync(seed32, publicKey32, message, signature64)
}

/** The 32-byte Ed25519 public key of a 32-byte seed. */
export function publicKeyFromSeed (seed32: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyOf(seed32)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length))
}
