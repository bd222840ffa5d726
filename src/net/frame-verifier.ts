import { verifyFrame } from '../envelope/index.ts'
import { FrameKind } from '../envelope/types.ts'
import { WrongRoomError } from '../errors.ts'

/**
 * The history guard's frame check for one room: the room write signature (over the room id) must verify and the
 * frame must be a stored room message, never an ephemeral one. Used by peers and relays alike; needs only public
 * room values, so a relay can run it.
 */
export function roomFrameVerifier (writePublicKey: Uint8Array, roomId: Uint8Array): (frame: Uint8Array) => Promise<void> {
  return async (frame) => {
    const header = await verifyFrame(frame, writePublicKey, roomId)
    if (header.kind !== FrameKind.message) throw new WrongRoomError('an ephemeral frame cannot be stored in a room log')
  }
}
