/**
 * Ed25519 on WebCrypto (Chrome ≥ 137, Firefox ≥ 129, Safari ≥ 17): fast and byte-compatible with tweetnacl
 * (RFC 8032). Selected by the `#ed25519` import condition `browser`; the Node twin is ed25519.node.ts.
 * Keys are imported once and cached: importKey costs more than a verify. On a browser without WebCrypto Ed25519
 * this falls back to tweetnacl, which gives the same bytes but takes milliseconds per operation.
 */
import nacl from 'tweetnacl'
import { ED25519_KEY_CACHE_SIZE, PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { PKCS8_ED25519_PREFIX, withPrefix } from './ed25519-der.ts'
import { bytesEqual } from './encoding.ts'
import { LruCache } from './lru.ts'

const ALGORITHM = { name: 'Ed25519' } as const
const privateKeys = new LruCache<string, Promise<CryptoKey>>(ED25519_KEY_CACHE_SIZE)
const publicKeys = new LruCache<string, Promise<CryptoKey | null>>(ED25519_KEY_CACHE_SIZE)
const naclSecretKeys = new LruCache<string, Uint8Array>(ED25519_KEY_CACHE_SIZE)

/** Whether this browser's WebCrypto does Ed25519, found out once by importing a fixed public key. */
let webCryptoEd25519: Promise<boolean> | undefined
function hasWebCryptoEd25519 (): Promise<boolean> {
  webCryptoEd25519 ??= (async () => {
    try {
      const pk = nacl.sign.keyPair.fromSeed(new Uint8Array(SEED_BYTES)).publicKey
      await globalThis.crypto.subtle.importKey('raw', own(pk), ALGORITHM, true, ['verify'])
      return true
    } catch {
      return false
    }
  })()
  return webCryptoEd25519
}

function cacheKey (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number)
  return s
}

/** A copy backed by a plain ArrayBuffer (WebCrypto refuses views on SharedArrayBuffer). */
function own (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length)
  out.set(bytes)
  return out
}

/** The bytes as WebCrypto takes them, copied only when they live in a SharedArrayBuffer. */
function bufferSource (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : own(bytes)
}

function checkSeed (seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new InvalidArgumentError(`Ed25519 seed must be ${SEED_BYTES} bytes`)
  }
}

function privateKeyOf (seed: Uint8Array): Promise<CryptoKey> {
  const id = cacheKey(seed)
  let key = privateKeys.get(id)
  if (key === undefined) {
    // Not extractable: once imported, the key cannot be read back out of WebCrypto.
    key = globalThis.crypto.subtle.importKey('pkcs8', withPrefix(PKCS8_ED25519_PREFIX, seed), ALGORITHM, false, ['sign'])
    key.catch(() => privateKeys.clear())
    privateKeys.set(id, key)
  }
  return key
}

function publicKeyOf (publicKey: Uint8Array): Promise<CryptoKey | null> {
  const id = cacheKey(publicKey)
  let key = publicKeys.get(id)
  if (key === undefined) {
    // An invalid point is remembered as null, so junk keys cost one import each, not one per message.
    key = globalThis.crypto.subtle.importKey('raw', own(publicKey), ALGORITHM, true, ['verify'])
      .then((k) => k, () => null)
    publicKeys.set(id, key)
  }
  return key
}

function naclSecretKeyOf (seed: Uint8Array): Uint8Array {
  const id = cacheKey(seed)
  let sk = naclSecretKeys.get(id)
  if (sk === undefined) {
    sk = nacl.sign.keyPair.fromSeed(seed).secretKey
    naclSecretKeys.set(id, sk)
  }
  return sk
}

/** Detached Ed25519 signature (64 bytes) of `message` by the key whose 32-byte seed is `seed32`. */
export async function sign (seed32: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  checkSeed(seed32)
  if (!await hasWebCryptoEd25519()) return nacl.sign.detached(message, naclSecretKeyOf(seed32))
  const key = await privateKeyOf(seed32)
  return new Uint8Array(await globalThis.crypto.subtle.sign(ALGORITHM, key, bufferSource(message)))
}

/** True only if `signature64` is a valid signature of `message` by `publicKey32`; false on any malformed input. */
export async function verify (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  if (!(publicKey32 instanceof Uint8Array) || publicKey32.length !== PUBLIC_KEY_BYTES) return false
  if (!(signature64 instanceof Uint8Array) || signature64.length !== SIGNATURE_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  try {
    if (!await hasWebCryptoEd25519()) return nacl.sign.detached.verify(message, signature64, publicKey32)
    const key = await publicKeyOf(publicKey32)
    if (key === null) return false
    return await globalThis.crypto.subtle.verify(ALGORITHM, key, bufferSource(signature64), bufferSource(message))
  } catch {
    return false
  }
}

/**
 * Same as {@link verify}: WebCrypto already runs off the main thread, so starting several and awaiting them
 * together overlaps them. (The Node twin uses the threadpool here.)
 */
export function verifyInBackground (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  return verify(publicKey32, message, signature64)
}

/**
 * Whether `signature64` is a valid signature of `message` by the key of `seed32` (public key `publicKey32`), for a
 * caller that holds the seed: re-signs (deterministic, RFC 8032) and compares in constant time, and verifies only
 * when the bytes differ, so the answer is exactly verify's. A WebCrypto signature costs about 60 % of a verification.
 * See the Node twin for the reasoning.
 */
export async function signatureHolds (seed32: Uint8Array, publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  if (!(signature64 instanceof Uint8Array) || signature64.length !== SIGNATURE_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  if (bytesEqual(await sign(seed32, message), signature64)) return true
  return await verify(publicKey32, message, signature64)
}

/**
 * The 32-byte Ed25519 public key of a 32-byte seed. Synchronous, so tweetnacl (one scalar multiplication,
 * about a millisecond); callers derive it once per identity or room, never per message.
 */
export function publicKeyFromSeed (seed32: Uint8Array): Uint8Array {
  checkSeed(seed32)
  return nacl.sign.keyPair.fromSeed(seed32).publicKey
}
