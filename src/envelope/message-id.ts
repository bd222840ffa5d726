import { MAX_DEVICE, MAX_SEQ, MESSAGE_ID_BYTES, PUBLIC_KEY_BYTES } from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { hmacSha256 } from '#hash'
import type { RoomKeys } from '../room/keys.ts'

/**
 * Message id = first 16 bytes of HMAC-SHA256(room id key, author(32) ‖ device(u32) ‖ seq(u64)): unique per
 * (author, device, seq), unlinkable to the author for anyone without the room secret (relays), and different in
 * every room.
 */
export function messageIdOf (room: Pick<RoomKeys, 'idKey'>, authorPublicKey: Uint8Array, device: number, seq: number): Uint8Array {
  if (authorPublicKey.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`author key must be ${PUBLIC_KEY_BYTES} bytes`)
  if (!Number.isInteger(device) || device < 0 || device > MAX_DEVICE) throw new InvalidArgumentError('device must be a u32')
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new InvalidArgumentError('seq must be an integer ≥ 1')
  const input = new Uint8Array(PUBLIC_KEY_BYTES + 4 + 8)
  input.set(authorPublicKey, 0)
  const view = new DataView(input.buffer)
  view.setUint32(PUBLIC_KEY_BYTES, device, false)
  view.setBigUint64(PUBLIC_KEY_BYTES + 4, BigInt(seq), false)
  return hmacSha256(room.idKey, input).subarray(0, MESSAGE_ID_BYTES)
}
