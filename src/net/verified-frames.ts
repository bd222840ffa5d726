/**
 * Frames whose room write signature was verified a moment ago, so the next step that needs the same check on the
 * same bytes (the relay's store after its forwarding guard, the chat's openFrame after the history guard) does not
 * verify the same Ed25519 signature again. A hit requires the exact same bytes (compared in full, not by id or
 * hash), so a frame that differs in any byte is verified again. Bounded: oldest entries go first; a miss only costs
 * the verification it would have cost anyway.
 */
import { FRAME_ID_OFFSET, MESSAGE_ID_BYTES } from '../constants.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { BadSignatureError, MalformedError } from '../errors.ts'
import { frameSignatureValid, parseFrame } from '../envelope/frame.ts'
import { FrameKind } from '../envelope/types.ts'
import type { FrameHeader } from '../envelope/types.ts'

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
    // A real copy (Buffer#slice would be a view): the entry must keep the bytes that were verified.
    this.#frames.set(key, Uint8Array.from(frame))
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

/**
 * The history layer's frame check (stored kind, room write signature) with the signature verified on this thread.
 * For live updates, which carry one frame: the threadpool hand-off of the default verifier only adds latency there
 * (it pays off for sync chunks of many frames, which keep the default). Members pass `writeSeed` (see
 * frameSignatureValid); relays cannot.
 */
export function liveFrameVerifier (writePublicKey: Uint8Array, roomId: Uint8Array, writeSeed?: Uint8Array): (frame: Uint8Array) => Promise<FrameHeader> {
  return async (frame) => {
    const header = parseFrame(frame)
    if (header.kind !== FrameKind.message) throw new MalformedError('ephemeral frames are never stored in the log')
    if (!await frameSignatureValid(frame, writePublicKey, roomId, writeSeed)) throw new BadSignatureError('room write signature does not verify')
    return header
  }
}
