import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/crypto/encoding.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { FRAME_ID_END, FRAME_ID_START, frameIdText } from '../../../src/chat/frame-id.ts'

describe('frameIdText', () => {
  it('is toHex of the frame id bytes, for every byte value and for frames too short to hold an id', () => {
    const every = new Uint8Array(256 + FRAME_ID_END)
    for (let i = 0; i < 256; i++) every[i] = i
    for (let at = 0; at < 256; at++) {
      const frame = every.subarray(at, at + FRAME_ID_END + 3)
      expect(frameIdText(frame)).toBe(toHex(frame.subarray(FRAME_ID_START, FRAME_ID_END)))
    }
    for (let i = 0; i < 200; i++) {
      const frame = randomBytes(FRAME_ID_END + (i % 50))
      expect(frameIdText(frame)).toBe(toHex(frame.subarray(FRAME_ID_START, FRAME_ID_END)))
    }
    for (let n = 0; n < FRAME_ID_END; n++) {
      const frame = randomBytes(n)
      expect(frameIdText(frame)).toBe(toHex(frame.subarray(FRAME_ID_START, FRAME_ID_END)))
    }
  })
})
