/**
 * The message id of a stored frame as lowercase hex (what `toHex(frame.subarray(6, 22))` gives), as one flat string
 * read in place: a room's maps are keyed by it and a cold open of a large room looks up every frame's id.
 */
import { FRAME_ID_OFFSET, MESSAGE_ID_BYTES } from '../constants.ts'
import { hex16At, toHex } from '../crypto/encoding.ts'

/** End of the message id in a frame. */
export const FRAME_ID_END = FRAME_ID_OFFSET + MESSAGE_ID_BYTES

/** The frame's message id in hex (same string as `toHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END))`). */
export function frameIdText (frame: Uint8Array): string {
  if (frame.length < FRAME_ID_END) return toHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END))
  return hex16At(frame, FRAME_ID_OFFSET)
}
