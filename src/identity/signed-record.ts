/**
 * Signed records of a user (profile, device binding): CBOR `[payload, signature]`, where payload is a CBOR map
 * with `v` (version) and `a` (the signer's Ed25519 public key) and the signature is
 * Ed25519(TAG ‖ 0x00 ‖ payload). Self-certifying: anyone can verify one without knowing the user beforehand.
 */
import { sign, verify } from '#ed25519'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../constants.ts'
import { BadSignatureError, MalformedError } from '../errors.ts'
import { concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import type { Identity } from './identity.ts'

function signingInput (tag: string, payload: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(tag), Uint8Array.of(0), payload)
}

/** Encodes `fields` (plus v and a) and signs them under `tag`. */
export async function signRecord (identity: Identity, tag: string, version: number, fields: Record<string, unknown>): Promise<Uint8Array> {
  const payload = encodeCbor({ ...fields, v: version, a: identity.publicKey })
  const signature = await sign(identity.signingSeed, signingInput(tag, payload))
  return encodeCbor([payload, signature])
}

/**
 * Decodes and verifies a record: returns its payload map and signer key, or throws OversizedError,
 * MalformedError (structure, version) or BadSignatureError.
 */
export async function openRecord (bytes: Uint8Array, tag: string, version: number, maxBytes: number, what: string): Promise<{ payload: Record<string, unknown>, publicKey: Uint8Array }> {
  const outer = decodeCbor(bytes, { maxBytes, maxDepth: 1 })
  if (!Array.isArray(outer) || outer.length !== 2) throw new MalformedError(`${what} must be [payload, signature]`)
  const [payloadBytes, signature] = outer as unknown[]
  if (!(payloadBytes instanceof Uint8Array)) throw new MalformedError(`${what} payload must be bytes`)
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) throw new MalformedError(`${what} signature must be ${SIGNATURE_BYTES} bytes`)
  const payload = decodeCbor(payloadBytes, { maxBytes })
  if (!isMap(payload)) throw new MalformedError(`${what} payload must be a map`)
  if (payload.v !== version) throw new MalformedError(`${what} version ${String(payload.v)} is not supported`)
  const publicKey = payload.a
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) throw new MalformedError(`${what} signer key must be ${PUBLIC_KEY_BYTES} bytes`)
  if (!await verify(publicKey, signingInput(tag, payloadBytes), signature)) throw new BadSignatureError(`${what} signature does not verify`)
  return { payload, publicKey: Uint8Array.from(publicKey) }
}

/** A non-negative safe integer field, or MalformedError. */
export function timeField (payload: Record<string, unknown>, key: string, what: string): number {
  const t = payload[key]
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) throw new MalformedError(`${what} time must be a non-negative integer`)
  return t
}
