/**
 * The frames this device has already opened with every check (PROTOCOL.md "Opened-frames cache"), so a cold open
 * does not verify two Ed25519 signatures per stored message again: a known frame is only decrypted and decoded
 * (`reopenFrame`), an unknown one gets the full `openFrame`.
 *
 * A frame is known by a fingerprint of its own bytes, not by its position: the log's order changes when a sync
 * inserts older frames in the middle, and the same Yjs slot, message id or index may later hold other bytes (a
 * duplicate, a forged copy, a write lost in a crash and refilled by a peer). The fingerprint is 16 bytes of the S
 * half of the frame's room write signature. Every frame in a local log passed that signature check before it was
 * stored (the history guard) or was sealed here, and S is a pseudo-random function of the signed bytes that even a
 * holder of the room write key cannot aim: producing a different validly signed frame with a given 128-bit part
 * of S takes ~2^128 signatures. So a fingerprint match means the same bytes as the frame that passed openFrame.
 *
 * Only successes are recorded. A frame that failed (a malicious member's forgery stays in the append-only log)
 * has no entry, so every cold open checks it in full again and it stays rejected.
 */
import { MAX_OPENED_FRAMES_CACHED, SIGNATURE_BYTES } from '../constants.ts'
import { MIN_FRAME_BYTES } from '../envelope/frame.ts'
import { crc32 } from '../storage/crc32.ts'
import { reopenFrame } from '../envelope/open.ts'
import type { OpenOptions } from '../envelope/open.ts'
import type { OpenedMessage } from '../envelope/types.ts'
import type { RoomKeys } from '../room/keys.ts'

/** Bytes of a fingerprint. */
export const FINGERPRINT_BYTES = 16
/** "CSOPEN", version 1. */
const MAGIC = Uint8Array.of(0x43, 0x53, 0x4f, 0x50, 0x45, 0x4e, 0x00, 0x01)
/** Magic, u32 BE count, u32 BE CRC-32 of the fingerprints. */
const HEADER_BYTES = MAGIC.length + 8

/**
 * The fingerprint of a frame: the first 16 bytes of the S half of its room write signature (its last 64 bytes),
 * the low, uniformly distributed bytes of the scalar. A view into the frame, not a copy.
 */
export function frameFingerprint (frame: Uint8Array): Uint8Array | undefined {
  if (frame.length < MIN_FRAME_BYTES) return undefined
  const s = frame.length - SIGNATURE_BYTES / 2
  return frame.subarray(s, s + FINGERPRINT_BYTES)
}

/** Lexicographic compare of two 16-byte fingerprints at offsets of two arrays. */
function cmp (a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < FINGERPRINT_BYTES; i++) {
    const d = (a[ao + i] as number) - (b[bo + i] as number)
    if (d !== 0) return d
  }
  return 0
}

export class OpenedFrames {
  /** Known fingerprints, sorted, 16 bytes each (as persisted: no per-entry heap objects for 100k messages). */
  #sorted: Uint8Array
  /** Recorded since load, as 16-char one-byte strings (a string per entry is far lighter than a Uint8Array). */
  readonly #added = new Set<string>()
  #dirty = false

  /** `encoded` is what {@link OpenedFrames.encode} wrote; anything damaged or foreign counts as empty. */
  constructor (encoded?: Uint8Array) {
    this.#sorted = decode(encoded)
  }

  /** Number of known frames. */
  get size (): number { return this.#sorted.length / FINGERPRINT_BYTES + this.#added.size }

  /** True when a frame with these bytes (by fingerprint) passed openFrame on this device. */
  has (frame: Uint8Array): boolean {
    const fp = frameFingerprint(frame)
    if (fp === undefined) return false
    // The string key costs an allocation per lookup: skip it while nothing was added (a cold open's whole load).
    if (this.#added.size > 0 && this.#added.has(keyOf(fp))) return true
    let lo = 0
    let hi = this.#sorted.length / FINGERPRINT_BYTES - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = cmp(this.#sorted, mid * FINGERPRINT_BYTES, fp, 0)
      if (c === 0) return true
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return false
  }

  /** Records that `frame` passed openFrame (every check). Call only then. */
  add (frame: Uint8Array): void {
    const fp = frameFingerprint(frame)
    if (fp === undefined || this.has(frame)) return
    if (this.size >= MAX_OPENED_FRAMES_CACHED) return
    this.#added.add(keyOf(fp))
    this.#dirty = true
  }

  /** True when frames were added since the last load or encode. */
  get dirty (): boolean { return this.#dirty }

  /** The persistent form: header, then the fingerprints sorted and deduped. */
  encode (): Uint8Array {
    if (this.#added.size > 0) {
      const all: Uint8Array[] = []
      for (const k of this.#added) {
        const fp = new Uint8Array(FINGERPRINT_BYTES)
        for (let i = 0; i < FINGERPRINT_BYTES; i++) fp[i] = k.charCodeAt(i)
        all.push(fp)
      }
      const n = this.#sorted.length / FINGERPRINT_BYTES
      for (let i = 0; i < n; i++) all.push(this.#sorted.subarray(i * FINGERPRINT_BYTES, (i + 1) * FINGERPRINT_BYTES))
      all.sort((a, b) => cmp(a, 0, b, 0))
      const merged = new Uint8Array(all.length * FINGERPRINT_BYTES)
      for (const [i, fp] of all.entries()) merged.set(fp, i * FINGERPRINT_BYTES)
      this.#sorted = merged
      this.#added.clear()
    }
    this.#dirty = false
    const out = new Uint8Array(HEADER_BYTES + this.#sorted.length)
    out.set(MAGIC)
    const view = new DataView(out.buffer)
    view.setUint32(MAGIC.length, this.#sorted.length / FINGERPRINT_BYTES)
    view.setUint32(MAGIC.length + 4, crc32(this.#sorted))
    out.set(this.#sorted, HEADER_BYTES)
    return out
  }

  /**
   * Opens a frame of a local log: `reopenFrame` (no signature checks) when these bytes passed openFrame here
   * before, else `full(frame)` (which must be openFrame with every check), recording a success. `full` gets the
   * frame so that a caller opening many frames passes one function, not a closure per frame.
   */
  async open (frame: Uint8Array, room: RoomKeys, full: (frame: Uint8Array) => Promise<OpenedMessage>, opts: OpenOptions = {}): Promise<OpenedMessage> {
    if (this.has(frame)) return reopenFrame(frame, room, opts)
    const m = await full(frame)
    this.add(frame)
    return m
  }
}

function keyOf (fp: Uint8Array): string {
  return String.fromCharCode.apply(null, fp as unknown as number[])
}

/** Checks header, count bound, exact length and checksum before using anything; bad input is an empty cache. */
function decode (bytes: Uint8Array | undefined): Uint8Array {
  const empty = new Uint8Array(0)
  if (bytes === undefined || bytes.length < HEADER_BYTES) return empty
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return empty
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(MAGIC.length)
  if (count > MAX_OPENED_FRAMES_CACHED || bytes.length !== HEADER_BYTES + count * FINGERPRINT_BYTES) return empty
  const body = bytes.subarray(HEADER_BYTES)
  if (crc32(body) !== view.getUint32(MAGIC.length + 4)) return empty
  // Sorted order is what the binary search relies on: a file that is not sorted is not ours.
  for (let i = 1; i < count; i++) if (cmp(body, (i - 1) * FINGERPRINT_BYTES, body, i * FINGERPRINT_BYTES) >= 0) return empty
  return body.slice()
}

/** Meta key of a room's opened-frames record (StorageBackend getMeta/setMeta). */
export function openedFramesMetaKey (roomIdText: string): string {
  return `opened-${roomIdText}`
}

/** Loads a room's opened-frames cache from the storage's meta records (empty when missing or damaged). */
export async function loadOpenedFrames (storage: { getMeta: (key: string) => Promise<Uint8Array | undefined> }, roomIdText: string): Promise<OpenedFrames> {
  const bytes = await storage.getMeta(openedFramesMetaKey(roomIdText)).catch(() => undefined)
  return new OpenedFrames(bytes)
}

/** Saves it (atomic replace, see setMeta) when something was added. A failure only costs verification next time. */
export async function saveOpenedFrames (storage: { setMeta: (key: string, value: Uint8Array) => Promise<void> }, roomIdText: string, cache: OpenedFrames | undefined): Promise<void> {
  if (cache === undefined || !cache.dirty) return
  await storage.setMeta(openedFramesMetaKey(roomIdText), cache.encode()).catch(() => {})
}
