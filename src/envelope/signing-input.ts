import { utf8Encode } from '../crypto/encoding.ts'
import { TAG_MESSAGE_SIG } from '../constants.ts'

const MESSAGE_SIG_PREFIX = Uint8Array.from([...utf8Encode(TAG_MESSAGE_SIG), 0])

/** What the author signs: TAG_MESSAGE_SIG ‖ 0x00 ‖ room id ‖ epoch(u32) ‖ message id ‖ inner. */
export function authorSigningInput (roomId: Uint8Array, epoch: number, id: Uint8Array, inner: Uint8Array): Uint8Array {
  const p = MESSAGE_SIG_PREFIX.length
  const out = new Uint8Array(p + roomId.length + 4 + id.length + inner.length)
  out.set(MESSAGE_SIG_PREFIX, 0)
  out.set(roomId, p)
  new DataView(out.buffer).setUint32(p + roomId.length, epoch, false)
  out.set(id, p + roomId.length + 4)
  out.set(inner, p + roomId.length + 4 + id.length)
  return out
}
