import { MAX_AVATAR_BYTES, MAX_NAME_BYTES, MAX_PROFILE_BYTES, PUBLIC_KEY_BYTES, TAG_PROFILE_SIG } from '../constants.ts'
import { InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import type { Identity } from './identity.ts'
import { openRecord, signRecord, timeField } from './signed-record.ts'
import { userIdFromPublicKey } from './user-id.ts'

/** Version of the profile record payload. */
export const PROFILE_VERSION = 1

/** A user's self-signed display name and avatar (a small data URL or a content reference). */
export interface Profile {
  userId: string
  publicKey: Uint8Array
  /** The user's X25519 box key, so others can box room keys (rotation) and open direct rooms to them. */
  boxPublicKey: Uint8Array
  name: string
  avatar?: string
  /** When the user signed it (ms); the newest profile of a user wins. */
  time: number
}

function checkName (name: unknown): string {
  if (typeof name !== 'string') throw new MalformedError('profile name must be text')
  if (name.length > MAX_NAME_BYTES || utf8Length(name) > MAX_NAME_BYTES) throw new OversizedError(`profile name exceeds ${MAX_NAME_BYTES} bytes`)
  if (name.trim().length === 0) throw new MalformedError('profile name is empty')
  return name
}

function checkAvatar (avatar: unknown): string | undefined {
  if (avatar === undefined) return undefined
  if (typeof avatar !== 'string') throw new MalformedError('profile avatar must be text')
  if (avatar.length > MAX_AVATAR_BYTES || utf8Length(avatar) > MAX_AVATAR_BYTES) throw new OversizedError(`profile avatar exceeds ${MAX_AVATAR_BYTES} bytes`)
  return avatar
}

/**
 * Signs a profile record: CBOR [payload {v, a, bx: box public key, n: name, av?: avatar, t: time},
 * Ed25519(TAG_PROFILE_SIG ‖ 0 ‖ payload)].
 * Throws InvalidArgumentError for an empty or too long name or avatar.
 */
export async function signProfile (identity: Identity, profile: { name: string, avatar?: string, time?: number }): Promise<Uint8Array> {
  let name: string
  let avatar: string | undefined
  try {
    name = checkName(profile.name)
    avatar = checkAvatar(profile.avatar)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return await signRecord(identity, TAG_PROFILE_SIG, PROFILE_VERSION, { bx: identity.boxPublicKey, n: name, av: avatar, t: profile.time ?? Date.now() })
}

/** Verifies a profile record from anyone. Throws OversizedError, MalformedError or BadSignatureError. */
export async function verifyProfile (bytes: Uint8Array): Promise<Profile> {
  const { payload, publicKey } = await openRecord(bytes, TAG_PROFILE_SIG, PROFILE_VERSION, MAX_PROFILE_BYTES, 'profile')
  const name = checkName(payload.n)
  const avatar = checkAvatar(payload.av)
  const bx = payload.bx
  if (!(bx instanceof Uint8Array) || bx.length !== PUBLIC_KEY_BYTES) throw new MalformedError(`profile box key must be ${PUBLIC_KEY_BYTES} bytes`)
  const profile: Profile = {
    userId: userIdFromPublicKey(publicKey), publicKey, boxPublicKey: Uint8Array.from(bx), name, time: timeField(payload, 't', 'profile')
  }
  if (avatar !== undefined) profile.avatar = avatar
  return profile
}
