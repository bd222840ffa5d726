import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/crypto/encoding.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { FRAME_ID_OFFSET } from '../../../src/constants.ts'
import { FRAME_ID_END, frameIdText } from '../../../src/chat/frame-id.ts'

/** Node's own hex, an independent reference (toHex of 16 bytes and frameIdText share one implementation). */
const nodeHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

describe('frameIdText and toHex of 16 bytes', () => {
  it('give Node\'s hex of the frame id bytes, for every byte value and for frames too short to hold an id', () => {
    const every = new Uint8Array(256 + FRAME_ID_END)
    for (let i = 0; i < 256; i++) every[i] = i
    for (let at = 0; at < 256; at++) {
      const frame = every.subarray(at, at + FRAME_ID_END + 3)
      expect(frameIdText(frame)).toBe(nodeHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END)))
      expect(toHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END))).toBe(nodeHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END)))
    }
    for (let i = 0; i < 200; i++) {
      const frame = randomBytes(FRAME_ID_END + (i % 50))
      expect(frameIdText(frame)).toBe(nodeHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END)))
      expect(toHex(frame.subarray(0, i % 40))).toBe(nodeHex(frame.subarray(0, i % 40)))
    }
    for (let n = 0; n < FRAME_ID_END; n++) {
      const frame = randomBytes(n)
      expect(frameIdText(frame)).toBe(nodeHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_END)))
    }
  })
})
