/**
 * Direct messages: a room between two users whose secret both can compute alone, with no invite, from the X25519
 * agreement of their box keys (the other's box key comes from their signed profile).
 */
import nacl from 'tweetnacl'
import { PUBLIC_KEY_BYTES, ROOM_SECRET_BYTES, TAG_DIRECT_ROOM } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { compare } from 'uint8arrays'
import { concatBytes } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import type { Identity } from '../identity/identity.ts'

/**
 * The room secret shared by `identity` and the owner of `otherBoxPublicKey`:
 * HKDF(X25519(mine, theirs) ‖ lower box key ‖ higher box key, TAG_DIRECT_ROOM, 32). Both sides get the same
 * bytes; nobody else can compute them. Throws InvalidArgumentError for a bad key, or one that gives an all-zero
 * agreement (a low-order point chosen to force a known secret).
 */
export function directRoomSecret (identity: Identity, otherBoxPublicKey: Uint8Array): Uint8Array {
  if (!(otherBoxPublicKey instanceof Uint8Array) || otherBoxPublicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidArgumentError(`a box public key is ${PUBLIC_KEY_BYTES} bytes`)
  }
  const shared = nacl.scalarMult(identity.boxSecretKey, otherBoxPublicKey)
  if (shared.every((b) => b === 0)) throw new InvalidArgumentError('box public key is a low-order point')
  const [low, high] = compare(identity.boxPublicKey, otherBoxPublicKey) <= 0
    ? [identity.boxPublicKey, otherBoxPublicKey]
    : [otherBoxPublicKey, identity.boxPublicKey]
  return deriveKey(concatBytes(shared, low, high), TAG_DIRECT_ROOM, ROOM_SECRET_BYTES)
}
