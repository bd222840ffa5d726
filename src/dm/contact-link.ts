/**
 * Contact links (PROTOCOL.md § Contact links): `<origin>/#/contact/1/<base64url(signed contact card)>`, also the
 * payload of the contact QR code. Like invites, the card sits in the fragment, which browsers never send to a server.
 * Unlike invites it holds nothing secret: it lets others start a direct conversation with us, and its signature
 * means nobody can swap the box key inside.
 */
import { CONTACT_LINK_VERSION, DEFAULT_INVITE_ORIGIN, MAX_CONTACT_CARD_BYTES, MAX_CONTACT_LINK_CHARS } from '../constants.ts'
import { InvalidContactLinkError } from '../errors.ts'
import { fromBase64Url, toBase64Url } from '../crypto/encoding.ts'
import { signContactCard, verifyContactCard } from './contact-card.ts'
import type { ContactCard } from './contact-card.ts'
import type { Identity } from '../identity/identity.ts'

/** Path inside the fragment that marks a contact link. */
export const CONTACT_PATH = '/contact/'

/** Our contact link. Throws InvalidArgumentError for a name over MAX_NAME_BYTES. */
export async function createContactLink (identity: Identity, init: { name?: string, origin?: string } = {}): Promise<string> {
  const origin = (init.origin ?? DEFAULT_INVITE_ORIGIN).replace(/\/+$/u, '')
  return `${origin}/#${CONTACT_PATH}${CONTACT_LINK_VERSION}/${toBase64Url(await signContactCard(identity, init.name))}`
}

/** True when `text` looks like a contact link (so a paste box can tell it from a user id or an invite). */
export function isContactLink (text: string): boolean {
  return typeof text === 'string' && text.includes(`#${CONTACT_PATH}`)
}

/**
 * Reads and verifies a contact link: a whole URL or just its fragment. Throws InvalidContactLinkError saying what
 * is wrong (not a contact link, cut off, damaged, forged).
 */
export async function parseContactLink (text: string): Promise<ContactCard> {
  if (typeof text !== 'string') throw new InvalidContactLinkError('a contact link is text')
  if (text.length > MAX_CONTACT_LINK_CHARS) throw new InvalidContactLinkError(`contact link is too long (more than ${MAX_CONTACT_LINK_CHARS} characters)`)
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new InvalidContactLinkError('contact link is empty')
  const hash = trimmed.indexOf('#')
  let fragment = hash === -1 ? trimmed : trimmed.slice(hash + 1)
  if (fragment.startsWith(CONTACT_PATH.slice(1))) fragment = '/' + fragment
  if (!fragment.startsWith(CONTACT_PATH)) {
    throw new InvalidContactLinkError(hash === -1 && /^[a-z][a-z0-9+.-]*:/iu.test(trimmed)
      ? 'this link has no contact in it (the part after "#" is missing: it may have been cut off when copied)'
      : 'this is not a ChatSphere contact link (expected …#/contact/…)')
  }
  const [version, cardText, ...rest] = fragment.slice(CONTACT_PATH.length).split('/')
  if (version !== String(CONTACT_LINK_VERSION)) {
    throw new InvalidContactLinkError(/^\d+$/u.test(version ?? '')
      ? `contact link version ${version ?? ''} is not supported by this app (it reads version ${CONTACT_LINK_VERSION}); update the app`
      : 'contact link is damaged (no version number after /contact/)')
  }
  if (cardText === undefined || cardText.length === 0) throw new InvalidContactLinkError('contact link is damaged (the contact card is missing)')
  if (rest.length > 0 && !(rest.length === 1 && rest[0] === '')) throw new InvalidContactLinkError('contact link is damaged (unexpected extra parts)')
  if (cardText.length > Math.ceil(MAX_CONTACT_CARD_BYTES * 4 / 3)) throw new InvalidContactLinkError('contact link is damaged (the contact card is too long)')
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(cardText)
  } catch {
    throw new InvalidContactLinkError('contact link is damaged (it contains characters that do not belong there)')
  }
  try {
    return await verifyContactCard(bytes)
  } catch (err) {
    const name = (err as Error).name
    if (name === 'BadSignatureError') throw new InvalidContactLinkError('contact link was altered: its signature does not match the keys inside')
    throw new InvalidContactLinkError(`contact link is damaged (part of it is missing or changed: ${(err as Error).message})`)
  }
}
