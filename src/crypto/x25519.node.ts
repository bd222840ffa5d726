/**
 * X25519 public key of a box secret key on node:crypto (OpenSSL): ~0.2 ms, where tweetnacl's scalar multiplication
 * takes 15-50 ms on a cold start (most of deriving an identity, which every createChat does). Same bytes as
 * `nacl.box.keyPair.fromSecretKey` (RFC 7748 clamping). Selected by the `#x25519` import condition;
 * src/crypto/x25519.browser.ts is the browser twin.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { InvalidArgumentError } from '../errors.ts'

/** PKCS#8 DER prefix of a raw X25519 private key (OID 1.3.101.110). */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const KEY_BYTES = 32

/** The X25519 public key of a 32-byte box secret key. */
export function x25519PublicKey (secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== KEY_BYTES) throw new InvalidArgumentError(`an X25519 secret key is ${KEY_BYTES} bytes`)
  const spki = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(spki.length - KEY_BYTES))
}
