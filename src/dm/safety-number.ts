/**
 * Safety numbers: 60 digits two people compare (read aloud, or by QR) to check that each holds the other's real
 * keys. Each half comes from one user's signing key and box key, so a swapped box key (a machine in the middle of
 * a direct room) changes the number; the halves are sorted, so both sides see the same 60 digits.
 */
import { PUBLIC_KEY_BYTES, TAG_SAFETY_NUMBER } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { sha256 } from '#hash'

/** The keys a safety number covers for one user. */
export interface SafetyKeys {
  publicKey: Uint8Array
  boxPublicKey: Uint8Array
}

const GROUPS_PER_HALF = 6
const GROUP_DIGITS = 5
/** Each 5-digit group comes from 5 hash bytes reduced mod 10^5 (as Signal's): bias below 10^-6. */
const BYTES_PER_GROUP = 5

function half (keys: SafetyKeys): string {
  for (const k of [keys.publicKey, keys.boxPublicKey]) {
    if (!(k instanceof Uint8Array) || k.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`a public key is ${PUBLIC_KEY_BYTES} bytes`)
  }
  const h = sha256(concatBytes(utf8Encode(TAG_SAFETY_NUMBER), Uint8Array.of(0), keys.publicKey, keys.boxPublicKey))
  let out = ''
  for (let g = 0; g < GROUPS_PER_HALF; g++) {
    let v = 0
    for (let i = 0; i < BYTES_PER_GROUP; i++) v = v * 256 + (h[g * BYTES_PER_GROUP + i] as number)
    out += String(v % 10 ** GROUP_DIGITS).padStart(GROUP_DIGITS, '0')
  }
  return out
}

/** The 60-digit safety number of two users as 12 groups of 5 separated by spaces; the same whichever is `a`. */
export function safetyNumber (a: SafetyKeys, b: SafetyKeys): string {
  const [x, y] = [half(a), half(b)].sort()
  return ((x as string) + (y as string)).replace(/(\d{5})(?=\d)/gu, '$1 ')
}
