import nacl from 'tweetnacl'
import { publicKeyFromSeed } from '#ed25519'
import { x25519PublicKey } from '#x25519'
import { SEED_BYTES, TAG_BOX_SEED, TAG_SIGNING_SEED } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { randomBytes } from '../crypto/random.ts'
import { userIdFromPublicKey } from './user-id.ts'

/**
 * A user: one 32-byte seed and what derives from it (PROTOCOL.md § Identity). Holds secrets: never log, never
 * send; persist only through the mnemonic or the encrypted key file.
 */
export interface Identity {
  /** The 32-byte root seed: the identity itself. */
  seed: Uint8Array
  /** Ed25519 seed = HKDF(seed, TAG_SIGNING_SEED, 32), what `#ed25519` sign() takes. */
  signingSeed: Uint8Array
  /** Ed25519 public key: the user id in bytes. */
  publicKey: Uint8Array
  /** X25519 public key (nacl.box) for keys boxed to this user (room key rotation, direct messages). */
  boxPublicKey: Uint8Array
  /** X25519 secret key. */
  boxSecretKey: Uint8Array
  /** Text form of the user id: `cs` + base58btc(publicKey). */
  userId: string
}

/** A new identity from 32 fresh random bytes. */
export function createIdentity (): Identity {
  return identityFromSeed(randomBytes(SEED_BYTES))
}

/** Re-derives the identity of a 32-byte seed (restore from mnemonic or key file). */
export function identityFromSeed (seed: Uint8Array): Identity {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new InvalidArgumentError(`an identity seed is ${SEED_BYTES} bytes`)
  }
  const ownSeed = Uint8Array.from(seed)
  const signingSeed = deriveKey(ownSeed, TAG_SIGNING_SEED, SEED_BYTES)
  const publicKey = publicKeyFromSeed(signingSeed)
  const boxSecretKey = deriveKey(ownSeed, TAG_BOX_SEED, nacl.box.secretKeyLength)
  // node:crypto in Node (#x25519): tweetnacl's X25519 was most of a cold createChat's identity step (15-50 ms).
  const box = { publicKey: x25519PublicKey(boxSecretKey), secretKey: boxSecretKey }
  return {
    seed: ownSeed,
    signingSeed,
    publicKey,
    boxPublicKey: box.publicKey,
    boxSecretKey: box.secretKey,
    userId: userIdFromPublicKey(publicKey)
  }
}
