/**
 * The message id of a stored frame as lowercase hex (what `toHex(frame.subarray(6, 22))` gives), built as one flat
 * string: a room's maps are keyed by it and a cold open of a large room looks up every frame's id, where `toHex`
 * builds 16 concatenated pieces (and a copy when the map hashes them) per lookup.
 */
import { toHex } from '../crypto/encoding.ts'

/** Offset of the 16-byte message id in a frame (PROTOCOL.md "Frame"). */
export const FRAME_ID_START = 6
/** End of the message id in a frame. */
export const FRAME_ID_END = 22

/** Char codes of the two hex digits of every byte value: [2b] high nibble, [2b + 1] low nibble. */
const CODES = new Uint8Array(512)
for (let b = 0; b < 256; b++) {
  CODES[2 * b] = '0123456789abcdef'.charCodeAt(b >> 4)
  CODES[2 * b + 1] = '0123456789abcdef'.charCodeAt(b & 15)
}

/** The frame's message id in hex (same string as `toHex(frame.subarray(FRAME_ID_START, FRAME_ID_END))`). */
export function frameIdText (frame: Uint8Array): string {
  if (frame.length < FRAME_ID_END) return toHex(frame.subarray(FRAME_ID_START, FRAME_ID_END))
  const f = frame
  const c = CODES
  const at = FRAME_ID_START
  // One call with 32 arguments: a single flat string, no intermediate pieces.
  const x0 = (f[at] as number) * 2; const x1 = (f[at + 1] as number) * 2; const x2 = (f[at + 2] as number) * 2; const x3 = (f[at + 3] as number) * 2
  const x4 = (f[at + 4] as number) * 2; const x5 = (f[at + 5] as number) * 2; const x6 = (f[at + 6] as number) * 2; const x7 = (f[at + 7] as number) * 2
  const x8 = (f[at + 8] as number) * 2; const x9 = (f[at + 9] as number) * 2; const xa = (f[at + 10] as number) * 2; const xb = (f[at + 11] as number) * 2
  const xc = (f[at + 12] as number) * 2; const xd = (f[at + 13] as number) * 2; const xe = (f[at + 14] as number) * 2; const xf = (f[at + 15] as number) * 2
  return String.fromCharCode(
    c[x0] as number, c[x0 + 1] as number, c[x1] as number, c[x1 + 1] as number, c[x2] as number, c[x2 + 1] as number, c[x3] as number, c[x3 + 1] as number,
    c[x4] as number, c[x4 + 1] as number, c[x5] as number, c[x5 + 1] as number, c[x6] as number, c[x6 + 1] as number, c[x7] as number, c[x7 + 1] as number,
    c[x8] as number, c[x8 + 1] as number, c[x9] as number, c[x9 + 1] as number, c[xa] as number, c[xa + 1] as number, c[xb] as number, c[xb + 1] as number,
    c[xc] as number, c[xc + 1] as number, c[xd] as number, c[xd + 1] as number, c[xe] as number, c[xe + 1] as number, c[xf] as number, c[xf + 1] as number)
}
