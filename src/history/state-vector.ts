/**
 * Bounded reader of a Yjs v1 state vector (varuint count, then client/clock varuint pairs), for state vectors
 * that come from the network. Yjs' own decoder trusts the count; this one checks it against the bytes left.
 */
import { MAX_STATE_VECTOR_BYTES, MAX_STATE_VECTOR_CLIENTS } from '../constants.ts'
import { MalformedError, OversizedError } from '../errors.ts'

function readVarUint (bytes: Uint8Array, at: { pos: number }): number {
  let value = 0
  let mult = 1
  for (let i = 0; i < 8; i++) {
    if (at.pos >= bytes.length) throw new MalformedError('state vector truncated')
    const b = bytes[at.pos++] as number
    value += (b & 0x7f) * mult
    if (b < 0x80) {
      if (value > Number.MAX_SAFE_INTEGER) break
      return value
    }
    mult *= 128
  }
  throw new MalformedError('state vector varuint too long')
}

/** Decodes a state vector into client → next expected clock. Throws MalformedError / OversizedError. */
export function decodeStateVector (bytes: Uint8Array): Map<number, number> {
  if (bytes.length > MAX_STATE_VECTOR_BYTES) throw new OversizedError(`state vector of ${bytes.length} bytes`)
  const at = { pos: 0 }
  const count = readVarUint(bytes, at)
  if (count > MAX_STATE_VECTOR_CLIENTS) throw new OversizedError(`state vector with ${count} clients`)
  if (count * 2 > bytes.length - at.pos) throw new MalformedError('state vector count past the end')
  const sv = new Map<number, number>()
  for (let i = 0; i < count; i++) {
    const client = readVarUint(bytes, at)
    const clock = readVarUint(bytes, at)
    sv.set(client, clock)
  }
  if (at.pos !== bytes.length) throw new MalformedError('trailing bytes after state vector')
  return sv
}
