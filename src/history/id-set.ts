/**
 * A set of 16-byte message ids in two typed arrays (open addressing): ~24 bytes per id instead of ~60 for a
 * Set of 16-character strings, and no object per id. A loaded room keeps one entry per message (issue 4, P7).
 * The hash is keyed by a per-process random seed: ids come from the network (any member can choose them freely,
 * they are only bound to their author when opened), so they must not be able to pick colliding ones.
 */
import { MESSAGE_ID_BYTES } from '../constants.ts'
import { randomBytes } from '../crypto/random.ts'

const SEED = new DataView(randomBytes(16).buffer)
const S0 = SEED.getUint32(0, true)
const S1 = SEED.getUint32(4, true)
const S2 = SEED.getUint32(8, true)
const S3 = SEED.getUint32(12, true)
const INITIAL_SLOTS = 64

function mix (h: number, w: number, s: number): number {
  let k = Math.imul(w ^ s, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  h ^= Math.imul(k, 0x1b873593)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

function word (b: Uint8Array, at: number): number {
  return (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)
}

/** Keyed 32-bit hash of the 16 bytes at `at` (murmur3-style mixing). */
function hashId (b: Uint8Array, at: number): number {
  let h = mix(S0 ^ S1, word(b, at), S0)
  h = mix(h, word(b, at + 4), S1)
  h = mix(h, word(b, at + 8), S2)
  h = mix(h, word(b, at + 12), S3)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h >>> 0
}

export class IdSet {
  /** Slot → entry number + 1 (0 = empty). */
  private slots: Int32Array
  /** Entry n's id at [16n, 16n + 16). */
  private ids: Uint8Array
  private count = 0

  /** @param expected - ids about to be added (a load knows them all): sized once instead of doubling up to it */
  constructor (expected = 0) {
    let n = INITIAL_SLOTS
    while (n < expected * 2 && n < 2 ** 30) n *= 2
    this.slots = new Int32Array(n)
    this.ids = new Uint8Array((n / 2) * MESSAGE_ID_BYTES)
  }

  get size (): number { return this.count }

  /** True when the 16 bytes of `bytes` at `at` are in the set. */
  has (bytes: Uint8Array, at = 0): boolean {
    return (this.slots[this.find(bytes, at)] as number) !== 0
  }

  /** Adds the id (16 bytes of `bytes` at `at`); false when it was there already. */
  add (bytes: Uint8Array, at = 0): boolean {
    const slot = this.find(bytes, at)
    if ((this.slots[slot] as number) !== 0) return false
    if ((this.count + 1) * 2 > this.slots.length) {
      this.grow()
      return this.add(bytes, at)
    }
    this.ids.set(bytes.subarray(at, at + MESSAGE_ID_BYTES), this.count * MESSAGE_ID_BYTES)
    this.count++
    this.slots[slot] = this.count
    return true
  }

  /** The slot holding this id, or the empty slot where it would go. */
  private find (bytes: Uint8Array, at: number): number {
    const mask = this.slots.length - 1
    let slot = hashId(bytes, at) & mask
    for (;;) {
      const entry = this.slots[slot] as number
      if (entry === 0 || this.equals(entry - 1, bytes, at)) return slot
      slot = (slot + 1) & mask
    }
  }

  private equals (entry: number, bytes: Uint8Array, at: number): boolean {
    const base = entry * MESSAGE_ID_BYTES
    for (let i = 0; i < MESSAGE_ID_BYTES; i++) if (this.ids[base + i] !== bytes[at + i]) return false
    return true
  }

  private grow (): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (let e = 0; e < this.count; e++) {
      let slot = hashId(this.ids, e * MESSAGE_ID_BYTES) & mask
      while ((slots[slot] as number) !== 0) slot = (slot + 1) & mask
      slots[slot] = e + 1
    }
    const ids = new Uint8Array((slots.length / 2) * MESSAGE_ID_BYTES)
    ids.set(this.ids.subarray(0, this.count * MESSAGE_ID_BYTES))
    this.slots = slots
    this.ids = ids
  }
}
