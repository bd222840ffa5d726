/**
 * Invite links (PROTOCOL.md § Invite link): `<origin>/#/join/1/<base64url(room secret)>/<percent-encoded name>`.
 * The secret sits in the URL fragment, which browsers never send to a server (not even the relay that serves
 * the app). Whoever holds the link can read and write the room.
 */
import { DEFAULT_INVITE_ORIGIN, INVITE_VERSION, MAX_INVITE_CHARS, MAX_ROOM_NAME_BYTES, ROOM_SECRET_BYTES } from '../constants.ts'
import { InvalidArgumentError, InvalidInviteError } from '../errors.ts'
import { fromBase64Url, toBase64Url, utf8Length } from '../crypto/encoding.ts'

/** Path inside the fragment that marks an invite. */
export const INVITE_PATH = '/join/'
/** base64url of 32 bytes without padding. */
const SECRET_CHARS = Math.ceil(ROOM_SECRET_BYTES * 4 / 3)

export interface Invite {
  secret: Uint8Array
  /** Room name as the inviter named it (informative: the room's own signed name may differ). */
  name: string
}

/**
 * The invite link of a room. Without `origin` the link points at DEFAULT_INVITE_ORIGIN; pass the origin of the
 * web app the invitee should open (for a LAN relay, its own https://host:port). Throws InvalidArgumentError for
 * a bad secret, a name over MAX_ROOM_NAME_BYTES, or a link that would exceed MAX_INVITE_CHARS.
 */
export function createInviteLink (init: { secret: Uint8Array, name: string, origin?: string }): string {
  if (!(init.secret instanceof Uint8Array) || init.secret.length !== ROOM_SECRET_BYTES) {
    throw new InvalidArgumentError(`a room secret is ${ROOM_SECRET_BYTES} bytes`)
  }
  if (typeof init.name !== 'string' || utf8Length(init.name) > MAX_ROOM_NAME_BYTES) {
    throw new InvalidArgumentError(`room name must be text of at most ${MAX_ROOM_NAME_BYTES} bytes`)
  }
  const origin = (init.origin ?? DEFAULT_INVITE_ORIGIN).replace(/\/+$/u, '')
  const link = `${origin}/#${INVITE_PATH}${INVITE_VERSION}/${toBase64Url(init.secret)}/${encodeURIComponent(init.name)}`
  if (link.length > MAX_INVITE_CHARS) throw new InvalidArgumentError(`invite link would exceed ${MAX_INVITE_CHARS} characters`)
  return link
}

/**
 * Reads an invite: a whole URL, or just its fragment (with or without `#`). Surrounding whitespace is ignored.
 * Throws InvalidInviteError with a message saying what is wrong with the link.
 */
export function parseInviteLink (text: string): Invite {
  if (typeof text !== 'string') throw new InvalidInviteError('an invite link is text')
  if (text.length > MAX_INVITE_CHARS) throw new InvalidInviteError(`invite link is too long (more than ${MAX_INVITE_CHARS} characters)`)
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new InvalidInviteError('invite link is empty')
  const hash = trimmed.indexOf('#')
  let fragment = hash === -1 ? trimmed : trimmed.slice(hash + 1)
  if (fragment.startsWith(INVITE_PATH.slice(1))) fragment = '/' + fragment
  if (!fragment.startsWith(INVITE_PATH)) {
    throw new InvalidInviteError(hash === -1 && /^[a-z][a-z0-9+.-]*:/iu.test(trimmed)
      ? 'this link has no invite in it (the part after "#" is missing: it may have been cut off when copied)'
      : 'this is not a ChatSphere invite link (expected …#/join/…)')
  }
  const parts = fragment.slice(INVITE_PATH.length).split('/')
  const [version, secretText, nameText, ...rest] = parts
  if (version !== String(INVITE_VERSION)) {
    throw new InvalidInviteError(/^\d+$/u.test(version ?? '')
      ? `invite link version ${version ?? ''} is not supported by this app (it reads version ${INVITE_VERSION}); update the app`
      : 'invite link is damaged (no version number after /join/)')
  }
  if (secretText === undefined || secretText.length === 0) throw new InvalidInviteError('invite link is damaged (the room key is missing)')
  if (rest.length > 0) throw new InvalidInviteError('invite link is damaged (unexpected extra parts)')
  if (secretText.length !== SECRET_CHARS) {
    throw new InvalidInviteError(`invite link is damaged (the room key has ${secretText.length} characters, expected ${SECRET_CHARS}: part of it is missing or extra)`)
  }
  let secret: Uint8Array
  try {
    secret = fromBase64Url(secretText)
  } catch {
    throw new InvalidInviteError('invite link is damaged (the room key contains characters that do not belong there)')
  }
  if (secret.length !== ROOM_SECRET_BYTES) throw new InvalidInviteError('invite link is damaged (the room key has the wrong length)')
  let name = ''
  if (nameText !== undefined && nameText.length > 0) {
    try {
      name = decodeURIComponent(nameText)
    } catch {
      throw new InvalidInviteError('invite link is damaged (the room name is not valid percent-encoding)')
    }
  }
  if (utf8Length(name) > MAX_ROOM_NAME_BYTES) throw new InvalidInviteError(`invite room name is longer than ${MAX_ROOM_NAME_BYTES} bytes`)
  return { secret, name }
}
