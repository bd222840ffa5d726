/**
 * X25519 public key of a box secret key in the browser (`#x25519` import condition): tweetnacl's API, which the web
 * build aliases to @noble/curves (src/crypto/nacl-noble.ts). src/crypto/x25519.node.ts is the Node twin.
 */
import nacl from 'tweetnacl'
import { InvalidArgumentError } from '../errors.ts'

const KEY_BYTES = 32

/** The X25519 public key of a 32-byte box secret key. */
export function x25519PublicKey (secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== KEY_BYTES) throw new InvalidArgumentError(`an X25519 secret key is ${KEY_BYTES} bytes`)
  return nacl.box.keyPair.fromSecretKey(secretKey).publicKey
}
