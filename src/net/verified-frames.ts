/**
 * Frames whose room write signature was verified a moment ago, so the next step that needs the same check on the
 * same bytes (the relay's store after its forwarding guard, the chat's openFrame after the history guard) does not
 * verify the same Ed25519 signature again. A hit requires the exact same bytes (compared in full, not by id or
 * hash), so a frame that differs in any byte is verified again. Bounded: oldest entries go first; a miss only costs
 * the verification it would have cost anyway.
 */
import { FRAME_ID_OFFSET, MESSAGE_ID_BYTES } from '../constants.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'

/** Entries kept by default: a few seconds of a busy room; misses beyond it just verify again. */
export const VERIFIED_FRAMES_CAPACITY = 1024

export class VerifiedFrames {
  readonly #capacity: number
  readonly #frames = new Map<string, Uint8Array>()

  constructor (capacity = VERIFIED_FRAMES_CAPACITY) {
    this.#capacity = capacity
  }

  /** Records that `frame` (these bytes) passed the room write signature check. */
  add (frame: Uint8Array): void {
    if (frame.length < FRAME_ID_OFFSET + MESSAGE_ID_BYTES) return
    const key = keyOf(frame)
    this.#frames.delete(key)
    this.#frames.set(key, frame.slice())
    if (this.#frames.size > this.#capacity) {
      const oldest = this.#frames.keys().next().value
      if (oldest !== undefined) this.#frames.delete(oldest)
    }
  }

  /** True (once) when exactly these bytes were recorded; the entry is used up either way it matches. */
  take (frame: Uint8Array): boolean {
    if (frame.length < FRAME_ID_OFFSET + MESSAGE_ID_BYTES) return false
    const key = keyOf(frame)
    const seen = this.#frames.get(key)
    if (seen === undefined || !bytesEqual(seen, frame)) return false
    this.#frames.delete(key)
    return true
  }

  get size (): number { return this.#frames.size }
}

function keyOf (frame: Uint8Array): string {
  return toHex(frame.subarray(FRAME_ID_OFFSET, FRAME_ID_OFFSET + MESSAGE_ID_BYTES))
}

/**
 * Wraps a frame verifier so every frame it accepts is recorded in `cache` (for a later step that must check the same
 * bytes again).
 */
export function recordingVerifier<T> (verify: (frame: Uint8Array) => Promise<T>, cache: VerifiedFrames): (frame: Uint8Array) => Promise<T> {
  return async (frame) => {
    const out = await verify(frame)
    cache.add(frame)
    return out
  }
}

/** Wraps a frame verifier so frames found in `cache` (same bytes, verified by the same check) are not verified again. */
export function cachedVerifier (verify: (frame: Uint8Array) => Promise<unknown>, cache: VerifiedFrames): (frame: Uint8Array) => Promise<unknown> {
  return async (frame) => {
    if (cache.take(frame)) return true
    return await verify(frame)
  }
}
