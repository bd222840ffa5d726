/**
 * Contact cards: a user's self-signed statement "my user key is A, my box key is B, call me N", the record behind
 * contact links, QR codes and knocks. Signed like profiles (src/identity/signed-record.ts), so whoever passes one on
 * cannot change the box key inside without the user's signing key.
 */
import { MAX_CONTACT_CARD_BYTES, MAX_NAME_BYTES, PUBLIC_KEY_BYTES, TAG_CONTACT_SIG } from '../constants.ts'
import { InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import { openRecord, signRecord } from '../identity/signed-record.ts'
import { userIdFromPublicKey } from '../identity/user-id.ts'
import type { Identity } from '../identity/identity.ts'

/** Version of the contact card payload. */
export const CONTACT_CARD_VERSION = 1

/** What a verified contact card (or knock) says about its signer. */
export interface ContactCard {
  userId: string
  /** Ed25519 public key (the user id in bytes). */
  publicKey: Uint8Array
  /** X25519 box key: what a direct room's secret is agreed with. */
  boxPublicKey: Uint8Array
  /** Display name the user put in the card (informative: anyone can call themselves anything). */
  name?: string
}

/** Checks an optional card name; throws MalformedError / OversizedError. */
export function cardName (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new MalformedError('contact name must be text')
  if (value.length > MAX_NAME_BYTES || utf8Length(value) > MAX_NAME_BYTES) throw new OversizedError(`contact name exceeds ${MAX_NAME_BYTES} bytes`)
  return value.trim().length === 0 ? undefined : value
}

/** Checks a box key field; throws MalformedError. */
export function cardBoxKey (value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== PUBLIC_KEY_BYTES) throw new MalformedError(`contact box key must be ${PUBLIC_KEY_BYTES} bytes`)
  return Uint8Array.from(value)
}

/**
 * Signs our contact card: CBOR [payload {v, a, bx, n?}, Ed25519(TAG_CONTACT_SIG ‖ 0 ‖ payload)].
 * Throws InvalidArgumentError for a name over MAX_NAME_BYTES.
 */
export async function signContactCard (identity: Identity, name?: string): Promise<Uint8Array> {
  let n: string | undefined
  try {
    n = cardName(name)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return await signRecord(identity, TAG_CONTACT_SIG, CONTACT_CARD_VERSION, n == null ? { bx: identity.boxPublicKey } : { bx: identity.boxPublicKey, n })
}

/** Verifies a contact card from anyone. Throws OversizedError, MalformedError or BadSignatureError. */
export async function verifyContactCard (bytes: Uint8Array): Promise<ContactCard> {
  const { payload, publicKey } = await openRecord(bytes, TAG_CONTACT_SIG, CONTACT_CARD_VERSION, MAX_CONTACT_CARD_BYTES, 'contact card')
  const card: ContactCard = { userId: userIdFromPublicKey(publicKey), publicKey, boxPublicKey: cardBoxKey(payload.bx) }
  const name = cardName(payload.n)
  if (name != null) card.name = name
  return card
}
