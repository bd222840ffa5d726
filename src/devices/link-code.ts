/**
 * Link codes (PROTOCOL.md "Linked devices"): what the new device shows (as text and as a QR code) so a device that
 * holds the identity can reach it and prove it saw the code:
 *
 *   `csl1.` base64url(CBOR {p: peer id, m: [multiaddr], s: one-time secret (16 bytes), bx: device X25519 key, x: expiry ms})
 *
 * The secret is a high-entropy one-time key, never a short PIN: whoever holds the code can link (as with an invite),
 * so it is shown only on the new device's screen and expires after LINK_OFFER_TTL_MS.
 */
import {
  LINK_SECRET_BYTES, LINK_VERSION, MAX_LINK_ADDR_CHARS, MAX_LINK_ADDRS, MAX_LINK_CODE_CHARS, MAX_PEER_ID_CHARS, PUBLIC_KEY_BYTES
} from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { fromBase64Url, toBase64Url } from '../crypto/encoding.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'

/** Prefix of a link code: names the format and its version. */
export const LINK_CODE_PREFIX = `csl${LINK_VERSION}.`
const PEER_ID_PATTERN = /^[A-Za-z0-9]+$/u
/** Fragment of a web app link that carries a link code (scanned with a phone camera, it opens the app). */
export const LINK_URL_FRAGMENT = '#/link/'

/** The web app link of a code: opening it on the device that holds the identity offers to link. */
export function linkCodeUrl (origin: string, code: string): string {
  return `${origin.replace(/\/+$/u, '')}/${LINK_URL_FRAGMENT}${code}`
}

/** What a link code carries. */
export interface LinkOfferCode {
  /** The new device's libp2p peer id (the existing device dials exactly this peer: Noise authenticates it). */
  peerId: string
  /** Where to reach it: relay circuit addresses first (work across networks), then direct ones. */
  addrs: string[]
  /** The one-time secret (LINK_SECRET_BYTES). */
  secret: Uint8Array
  /** The new device's own X25519 key: the payload is encrypted to it. */
  boxPublicKey: Uint8Array
  /** Expiry (ms since epoch). */
  expires: number
}

/** Encodes a link code; throws InvalidArgumentError for values a peer would refuse. */
export function encodeLinkCode (offer: LinkOfferCode): string {
  // The peer id is in `p`: the `/p2p/<p>` suffix of each address is left out (the reader adds it back), which keeps
  // the QR code a size phone cameras read easily.
  const suffix = `/p2p/${offer.peerId}`
  const addrs = offer.addrs.slice(0, MAX_LINK_ADDRS).map(a => a.endsWith(suffix) ? a.slice(0, -suffix.length) : a)
  if (addrs.some(a => a.length > MAX_LINK_ADDR_CHARS)) throw new InvalidArgumentError('multiaddr too long for a link code')
  if (offer.secret.length !== LINK_SECRET_BYTES || offer.boxPublicKey.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError('bad link secret or box key length')
  const code = LINK_CODE_PREFIX + toBase64Url(encodeCbor({ p: offer.peerId, m: addrs, s: offer.secret, bx: offer.boxPublicKey, x: offer.expires }))
  if (code.length > MAX_LINK_CODE_CHARS) throw new InvalidArgumentError('link code would be too long (too many or too long addresses)')
  return code
}

/** Parses a link code (surrounding whitespace and line breaks ignored); throws InvalidArgumentError saying what is wrong. */
export function parseLinkCode (text: string): LinkOfferCode {
  if (typeof text !== 'string') throw new InvalidArgumentError('a link code is text')
  if (text.length > MAX_LINK_CODE_CHARS * 2) throw new InvalidArgumentError('link code is too long')
  let t = text.replace(/\s+/gu, '')
  // A QR code may carry the code as a link into the web app: `<origin>/#/link/csl1.…`.
  const inLink = t.indexOf(LINK_URL_FRAGMENT)
  if (inLink >= 0) t = t.slice(inLink + LINK_URL_FRAGMENT.length)
  if (t.length > MAX_LINK_CODE_CHARS) throw new InvalidArgumentError('link code is too long')
  if (!t.startsWith(LINK_CODE_PREFIX)) {
    throw new InvalidArgumentError(/^csl\d+\./u.test(t) ? 'this link code is from another version of the app' : `not a device link code (it starts with "${LINK_CODE_PREFIX}")`)
  }
  let value: unknown
  try {
    value = decodeCbor(fromBase64Url(t.slice(LINK_CODE_PREFIX.length)), { maxBytes: MAX_LINK_CODE_CHARS, maxItems: 8, maxDepth: 2 })
  } catch {
    throw new InvalidArgumentError('link code is damaged (part of it may be missing)')
  }
  if (!isMap(value)) throw new InvalidArgumentError('link code is damaged')
  const { p, m, s, bx, x } = value
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PEER_ID_CHARS || !PEER_ID_PATTERN.test(p)) throw new InvalidArgumentError('link code is damaged (peer id)')
  if (!Array.isArray(m) || m.length === 0 || m.length > MAX_LINK_ADDRS || !m.every(a => typeof a === 'string' && a.startsWith('/') && a.length <= MAX_LINK_ADDR_CHARS)) {
    throw new InvalidArgumentError('link code is damaged (addresses)')
  }
  if (!(s instanceof Uint8Array) || s.length !== LINK_SECRET_BYTES) throw new InvalidArgumentError('link code is damaged (secret)')
  if (!(bx instanceof Uint8Array) || bx.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError('link code is damaged (device key)')
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new InvalidArgumentError('link code is damaged (expiry)')
  const suffix = `/p2p/${p}`
  const addrs = (m as string[]).map(a => a.endsWith(suffix) ? a : a + suffix)
  return { peerId: p, addrs, secret: Uint8Array.from(s), boxPublicKey: Uint8Array.from(bx), expires: x }
}
