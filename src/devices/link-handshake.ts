/**
 * The cryptography of linking (PROTOCOL.md "Linked devices"), apart from the stream that carries it.
 *
 * Both devices know the one-time secret `s` of the link code; libp2p's Noise session already authenticates the new
 * device's peer id (it is in the code) and the linking device's peer id. With K = HKDF(s, TAG_LINK_CONFIRM):
 *
 *   hello   E → N  {e: ephemeral X25519 key, ne: 16 random bytes, mac: HMAC(K, ['E', peer E, peer N, e, ne])}
 *   confirm N → E  {nn: 16 random bytes, n: device name, mac: HMAC(K, ['N', peer E, peer N, e, ne, nn, n])}
 *   payload E → N  secretbox under HKDF(s ‖ X25519(e, bx_N) ‖ ne ‖ nn, TAG_LINK_PAYLOAD)
 *
 * Each MAC is key confirmation: it proves the sender saw the code, bound to both peer ids and to fresh nonces, so it
 * cannot be replayed to another device or another session. The payload key also needs the new device's own X25519
 * secret, so even someone who photographed the code and later learns the session cannot open a recorded payload
 * without that device's key.
 */
import nacl from 'tweetnacl'
import { LINK_SECRET_BYTES, PUBLIC_KEY_BYTES, TAG_LINK_CONFIRM, TAG_LINK_PAYLOAD } from '../constants.ts'
import { BadSignatureError, DecryptionError, InvalidArgumentError } from '../errors.ts'
import { concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { hmacSha256 } from '#hash'
import { randomBytes } from '../crypto/random.ts'
import { secretboxOpen, secretboxSeal } from '../crypto/secretbox.ts'
import { encodeCbor } from '../envelope/codec.ts'

/** Bytes of each side's handshake nonce. */
export const LINK_NONCE_BYTES = 16
/** Bytes of a key confirmation MAC. */
export const LINK_MAC_BYTES = 32

function confirmKey (secret: Uint8Array): Uint8Array {
  if (secret.length !== LINK_SECRET_BYTES) throw new InvalidArgumentError('bad link secret')
  return deriveKey(secret, TAG_LINK_CONFIRM, 32)
}

/** Constant-time enough for 32-byte MACs compared once per attempt (attempts are capped by MAX_LINK_ATTEMPTS). */
function macEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number)
  return d === 0
}

export interface LinkTranscript {
  /** Peer id of the device that holds the identity (dialer). */
  existingPeer: string
  /** Peer id of the new device (from the code). */
  newPeer: string
  ephemeralPublicKey: Uint8Array
  existingNonce: Uint8Array
}

export function helloMac (secret: Uint8Array, t: LinkTranscript): Uint8Array {
  return hmacSha256(confirmKey(secret), encodeCbor(['E', t.existingPeer, t.newPeer, t.ephemeralPublicKey, t.existingNonce]))
}

export function confirmMac (secret: Uint8Array, t: LinkTranscript, newNonce: Uint8Array, deviceName: string): Uint8Array {
  return hmacSha256(confirmKey(secret), encodeCbor(['N', t.existingPeer, t.newPeer, t.ephemeralPublicKey, t.existingNonce, newNonce, utf8Encode(deviceName)]))
}

/** Throws BadSignatureError when `mac` is not `expected` (the other side did not see this code). */
export function checkMac (mac: unknown, expected: Uint8Array): void {
  if (!(mac instanceof Uint8Array) || !macEqual(mac, expected)) throw new BadSignatureError('link key confirmation failed (wrong or stale link code)')
}

function payloadKey (secret: Uint8Array, shared: Uint8Array, t: LinkTranscript, newNonce: Uint8Array): Uint8Array {
  // An all-zero X25519 output means a low-order public key: refuse it rather than derive from a known value.
  if (shared.every(b => b === 0)) throw new DecryptionError('link key agreement gave a degenerate key')
  return deriveKey(concatBytes(secret, shared, t.existingNonce, newNonce), TAG_LINK_PAYLOAD, nacl.secretbox.keyLength)
}

/** The linking side's ephemeral key pair for one session. */
export function linkEphemeral (): nacl.BoxKeyPair {
  return nacl.box.keyPair()
}

export function newLinkNonce (): Uint8Array {
  return randomBytes(LINK_NONCE_BYTES)
}

/** Encrypts the payload to the new device (its box key from the code). */
export function sealLinkPayload (secret: Uint8Array, ephemeralSecretKey: Uint8Array, newDeviceBoxKey: Uint8Array, t: LinkTranscript, newNonce: Uint8Array, payload: Uint8Array): { nonce: Uint8Array, box: Uint8Array } {
  const key = payloadKey(secret, nacl.scalarMult(ephemeralSecretKey, newDeviceBoxKey), t, newNonce)
  const nonce = randomBytes(nacl.secretbox.nonceLength)
  return { nonce, box: secretboxSeal(payload, nonce, key) }
}

/** Opens the payload on the new device; throws DecryptionError. */
export function openLinkPayload (secret: Uint8Array, deviceBoxSecretKey: Uint8Array, t: LinkTranscript, newNonce: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array {
  if (t.ephemeralPublicKey.length !== PUBLIC_KEY_BYTES) throw new DecryptionError('bad ephemeral key')
  const key = payloadKey(secret, nacl.scalarMult(deviceBoxSecretKey, t.ephemeralPublicKey), t, newNonce)
  return secretboxOpen(box, nonce, key)
}
