/**
 * Browser build stand-in for libp2p's browser Ed25519 module (`@libp2p/crypto/dist/src/keys/ed25519/index.browser.js`,
 * replaced in web/vite.config.ts). libp2p's own version imports the private key into WebCrypto (from a JWK it
 * base64url-encodes) on every signature and the public key on every verification; gossipsub signs every publish and
 * verifies every received message with them, and Noise every handshake. This one signs and verifies through the
 * app's Ed25519 module (src/crypto/ed25519.browser.ts: keys imported once and cached, tweetnacl-compatible fallback
 * when WebCrypto lacks Ed25519). Ed25519 is deterministic, so the signatures are the same bytes.
 * bench/p8-ed25519-webcrypto.ts measures the difference; tests/unit/web/build-stand-ins.test.ts checks the bytes.
 */
import { ed25519 as ed } from '@noble/curves/ed25519.js'
import { sign, verify } from '#ed25519'
import type { Uint8ArrayList } from 'uint8arraylist'

const PUBLIC_KEY_BYTE_LENGTH = 32
/** The private key is the 32-byte seed followed by the 32-byte public key (libp2p's historical layout). */
const PRIVATE_KEY_BYTE_LENGTH = 64
const KEYS_BYTE_LENGTH = 32

export { PUBLIC_KEY_BYTE_LENGTH as publicKeyLength, PRIVATE_KEY_BYTE_LENGTH as privateKeyLength }

function concatKeys (privateKeyRaw: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const privateKey = new Uint8Array(PRIVATE_KEY_BYTE_LENGTH)
  privateKey.set(privateKeyRaw.subarray(0, KEYS_BYTE_LENGTH))
  privateKey.set(publicKey.subarray(0, KEYS_BYTE_LENGTH), KEYS_BYTE_LENGTH)
  return privateKey
}

/** Same as libp2p's: a random key pair. */
export function generateKey (): { privateKey: Uint8Array, publicKey: Uint8Array } {
  const privateKeyRaw = ed.utils.randomSecretKey()
  const publicKey = ed.getPublicKey(privateKeyRaw)
  return { privateKey: concatKeys(privateKeyRaw, publicKey), publicKey }
}

/** Same as libp2p's: the seed is the private key. */
export function generateKeyFromSeed (seed: Uint8Array): { privateKey: Uint8Array, publicKey: Uint8Array } {
  if (!(seed instanceof Uint8Array)) throw new TypeError('"seed" must be a node.js Buffer, or Uint8Array.')
  if (seed.length !== KEYS_BYTE_LENGTH) throw new TypeError('"seed" must be 32 bytes in length.')
  const publicKey = ed.getPublicKey(seed)
  return { privateKey: concatKeys(seed, publicKey), publicKey }
}

const bytesOf = (msg: Uint8Array | Uint8ArrayList): Uint8Array => msg instanceof Uint8Array ? msg : msg.subarray()

/** Signs with the seed (the first 32 bytes of libp2p's 64-byte private key). */
export async function hashAndSign (privateKey: Uint8Array, msg: Uint8Array | Uint8ArrayList): Promise<Uint8Array> {
  return await sign(privateKey.subarray(0, KEYS_BYTE_LENGTH), bytesOf(msg))
}

/** True only for a valid signature; false for any malformed key or signature (like WebCrypto's verify). */
export async function hashAndVerify (publicKey: Uint8Array, sig: Uint8Array, msg: Uint8Array | Uint8ArrayList): Promise<boolean> {
  return await verify(publicKey, bytesOf(msg), sig)
}
