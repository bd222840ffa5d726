/**
 * Inboxes and knocks (PROTOCOL.md § Direct messages). Every user has an inbox room whose secret anyone can derive
 * from the user's public key, so anyone who knows a user id can leave a knock there: "I opened a direct room with
 * you". The knock's author is a throwaway identity and its content is boxed to the recipient's X25519 key, so other
 * readers of the inbox (anyone who knows the id, and the relay) learn neither who knocked nor anything else.
 */
import nacl from 'tweetnacl'
import { KNOCK_NONCE_BYTES, MAX_CONTACT_CARD_BYTES, PUBLIC_KEY_BYTES, ROOM_SECRET_BYTES, TAG_INBOX_ROOM, TAG_KNOCK_SIG } from '../constants.ts'
import { InvalidArgumentError, DecryptionError, MalformedError } from '../errors.ts'
import { bytesEqual } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { randomBytes } from '../crypto/random.ts'
import { createIdentity } from '../identity/identity.ts'
import { openRecord, signRecord, timeField } from '../identity/signed-record.ts'
import { userIdFromPublicKey } from '../identity/user-id.ts'
import { cardBoxKey, cardName } from './contact-card.ts'
import type { ContactCard } from './contact-card.ts'
import type { Body } from '../envelope/types.ts'
import type { Identity } from '../identity/identity.ts'

/** Version of the knock record payload. */
export const KNOCK_VERSION = 1

/** The inbox room secret of the user with this Ed25519 public key (public: derived from the user id alone). */
export function inboxRoomSecret (publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`a public key is ${PUBLIC_KEY_BYTES} bytes`)
  return deriveKey(publicKey, TAG_INBOX_ROOM, ROOM_SECRET_BYTES)
}

/** A knock ready to send: the body, and the throwaway identity that must author (seal) it. */
export interface SealedKnock {
  body: Extract<Body, { k: 'knock' }>
  author: Identity
}

/**
 * Seals a knock to `to`: our contact card bound to the recipient and a time (record signed with TAG_KNOCK_SIG:
 * {v, a, bx, to, t, n?}), boxed (nacl.box) from a fresh throwaway key to the recipient's box key.
 */
export async function sealKnock (identity: Identity, to: { publicKey: Uint8Array, boxPublicKey: Uint8Array }, init: { name?: string, time?: number } = {}): Promise<SealedKnock> {
  const name = cardName(init.name)
  const fields: Record<string, unknown> = { bx: identity.boxPublicKey, to: to.publicKey, t: init.time ?? Date.now() }
  if (name != null) fields.n = name
  const record = await signRecord(identity, TAG_KNOCK_SIG, KNOCK_VERSION, fields)
  const author = createIdentity()
  const nonce = randomBytes(KNOCK_NONCE_BYTES)
  const box = nacl.box(record, nonce, to.boxPublicKey, author.boxSecretKey)
  return { body: { k: 'knock', eph: author.boxPublicKey, nonce, box }, author }
}

/** What an opened knock says: who knocked (a verified contact card) and when (their clock). */
export interface OpenedKnock extends ContactCard {
  time: number
}

/**
 * Opens a knock addressed to `identity`. Throws DecryptionError (not for us, or altered), MalformedError /
 * OversizedError (bad record), BadSignatureError (forged card) or MalformedError (addressed to someone else).
 */
export async function openKnock (identity: Identity, body: Extract<Body, { k: 'knock' }>): Promise<OpenedKnock> {
  const record = nacl.box.open(body.box, body.nonce, body.eph, identity.boxSecretKey)
  if (record == null) throw new DecryptionError('knock does not open with our box key')
  const { payload, publicKey } = await openRecord(record, TAG_KNOCK_SIG, KNOCK_VERSION, MAX_CONTACT_CARD_BYTES, 'knock')
  const to = payload.to
  if (!(to instanceof Uint8Array) || !bytesEqual(to, identity.publicKey)) throw new MalformedError('knock is addressed to someone else')
  const out: OpenedKnock = { userId: userIdFromPublicKey(publicKey), publicKey, boxPublicKey: cardBoxKey(payload.bx), time: timeField(payload, 't', 'knock') }
  const name = cardName(payload.n)
  if (name != null) out.name = name
  return out
}
