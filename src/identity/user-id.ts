import { PUBLIC_KEY_BYTES, TAG_FINGERPRINT } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { concatBytes, fromBase58, toBase58, utf8Encode } from '../crypto/encoding.ts'
import { sha256 } from '#hash'

/** Prefix of the text form of a user id (so ids are recognisable and never confused with room ids). */
export const USER_ID_PREFIX = 'cs'
/** Base58btc of 32 bytes is 43 or 44 characters; anything longer is refused before decoding. */
const MAX_USER_ID_CHARS = USER_ID_PREFIX.length + 50

/** Text form of a user id: `cs` + base58btc(Ed25519 public key). */
export function userIdFromPublicKey (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidArgumentError(`a public key is ${PUBLIC_KEY_BYTES} bytes`)
  }
  return USER_ID_PREFIX + toBase58(publicKey)
}

/** Parses the text form of a user id back to the 32-byte public key; throws InvalidArgumentError saying why. */
export function publicKeyFromUserId (text: string): Uint8Array {
  if (typeof text !== 'string') throw new InvalidArgumentError('a user id is text')
  const t = text.trim()
  if (t.length > MAX_USER_ID_CHARS) throw new InvalidArgumentError('user id is too long')
  if (!t.startsWith(USER_ID_PREFIX)) throw new InvalidArgumentError(`user id must start with "${USER_ID_PREFIX}"`)
  let pk: Uint8Array
  try {
    pk = fromBase58(t.slice(USER_ID_PREFIX.length))
  } catch {
    throw new InvalidArgumentError('user id contains characters that are not base58 (0, O, I and l are never used)')
  }
  if (pk.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError('user id has the wrong length (a character is missing or extra)')
  return pk
}

/** Number of digit groups and digits per group in a fingerprint. */
const FINGERPRINT_GROUPS = 4
const FINGERPRINT_GROUP_DIGITS = 5
/** Each group comes from 5 hash bytes reduced mod 10^5 (as Signal's safety numbers): bias below 10^-6. */
const FINGERPRINT_BYTES_PER_GROUP = 5

/**
 * A short fingerprint two people can read to each other: 20 digits in 4 groups of 5, e.g. `04181 55902 31337 90210`,
 * from SHA-256(TAG_FINGERPRINT ‖ public key). About 66 bits: enough to notice a swapped key, not a secret.
 */
export function fingerprint (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidArgumentError(`a public key is ${PUBLIC_KEY_BYTES} bytes`)
  }
  const h = sha256(concatBytes(utf8Encode(TAG_FINGERPRINT), publicKey))
  const groups: string[] = []
  for (let g = 0; g < FINGERPRINT_GROUPS; g++) {
    let v = 0
    for (let i = 0; i < FINGERPRINT_BYTES_PER_GROUP; i++) v = v * 256 + (h[g * FINGERPRINT_BYTES_PER_GROUP + i] as number)
    groups.push(String(v % 10 ** FINGERPRINT_GROUP_DIGITS).padStart(FINGERPRINT_GROUP_DIGITS, '0'))
  }
  return groups.join(' ')
}
