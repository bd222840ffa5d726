/**
 * Memory of a loaded room (issue 4, P7). Yjs' v1 decoder copies every binary item into its own ArrayBuffer, so a
 * loaded frame costs, besides its bytes, a ContentBinary (32 B), a Uint8Array (96 B) and an ArrayBuffer (88 B) on
 * the JS heap, plus the allocation of its backing store. After a load, {@link packFrames} moves all frames into one
 * buffer and gives each item a {@link PackedBinary}: an offset and a length into that buffer (48 B), whose
 * `content` is a view made when read. It is still a `Y.ContentBinary` to Yjs and to the log (same bytes, same
 * encoding, same ref), so nothing else changes.
 */
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'

const EMPTY = new Uint8Array(0)
/** A loaded record's buffer becomes an arena as it is only when it holds at least this many frames. */
const MIN_FRAMES_TO_KEEP_BUFFER = 64

/** A binary item content kept as a range of a shared buffer. Read-only: Yjs never changes binary contents. */
export class PackedBinary extends Y.ContentBinary {
  readonly arena: Uint8Array
  readonly offset: number
  readonly size: number

  constructor (arena: Uint8Array, offset: number, size: number) {
    super(EMPTY)
    this.arena = arena
    this.offset = offset
    this.size = size
  }

  override copy (): Y.ContentBinary { return new PackedBinary(this.arena, this.offset, this.size) }
}

// `content` becomes an accessor (a class accessor cannot override the base class's field in TypeScript): the view
// is made on each read and not kept. The base constructor's assignment lands in the setter, which takes only EMPTY.
Object.defineProperty(PackedBinary.prototype, 'content', {
  get (this: PackedBinary): Uint8Array { return this.arena.subarray(this.offset, this.offset + this.size) },
  set (value: Uint8Array) {
    if (value !== EMPTY) throw new TypeError('a packed frame is read-only')
  },
  configurable: false,
  enumerable: true
})

/**
 * Yjs' v1 update decoder, except that a binary content is a view into the update instead of a copy (P6, cold open):
 * the stock decoder allocates one ArrayBuffer per frame (~0.2 s and most of the load's garbage collection for 100k
 * messages, then {@link packFrames} copied them all once more). Used only for the store's own records, which stay
 * unchanged in memory for as long as the doc uses them (the store hands each load fresh buffers: a file read, an
 * IndexedDB read), and which Yjs never writes to. Everything else Yjs reads exactly as with `Y.applyUpdate`.
 */
export class ViewDecoderV1 extends Y.UpdateDecoderV1 {
  override readBuf (): Uint8Array { return decoding.readVarUint8Array(this.restDecoder) }
}

/** `Y.applyUpdate` of a stored record whose frames stay views into `update` (see {@link ViewDecoderV1}). */
export function applyStoredUpdate (doc: Y.Doc, update: Uint8Array, origin: unknown): void {
  Y.applyUpdateV2(doc, update, origin, ViewDecoderV1)
}

/** The items of a log array in list order (all of them: the log never deletes, and only holds binary items). */
export function logItems (arr: Y.Array<Uint8Array>): Y.Item[] {
  const out: Y.Item[] = []
  for (let it = arr._start; it !== null; it = it.right) {
    if (!it.deleted && it.countable) out.push(it)
  }
  return out
}

/**
 * Gives every binary item not yet packed a {@link PackedBinary}, and returns how many it changed. Run after a load,
 * when the doc holds many items Yjs has just decoded; items inserted later keep their own buffers until the next
 * load. Frames that are views into a buffer they fill at least half of (the store's records, read through
 * {@link ViewDecoderV1}: the room file or snapshot) keep that buffer as their arena, no copy; the rest (frames with
 * a buffer each, or a few frames left in a big buffer) are copied into one new buffer.
 */
export function packFrames (arr: Y.Array<Uint8Array>): number {
  const items: Y.Item[] = []
  /** Per buffer: bytes of frames in it, and how many. */
  const live = new Map<ArrayBufferLike, { bytes: number, frames: number }>()
  for (let it = arr._start; it !== null; it = it.right) {
    const c = it.content
    if (c instanceof Y.ContentBinary && !(c instanceof PackedBinary)) {
      items.push(it)
      const b = c.content.buffer
      const l = live.get(b)
      if (l === undefined) live.set(b, { bytes: c.content.length, frames: 1 })
      else { l.bytes += c.content.length; l.frames++ }
    }
  }
  if (items.length === 0) return 0
  const arenas = new Map<ArrayBufferLike, Uint8Array>()
  let copied = 0
  for (const [b, l] of live) {
    // Buffers of one or a few frames each (single-insert records, frames Yjs copied) are the ones worth packing.
    if (l.frames >= MIN_FRAMES_TO_KEEP_BUFFER && l.bytes * 2 >= b.byteLength) arenas.set(b, new Uint8Array(b))
    else copied += l.bytes
  }
  const arena = new Uint8Array(copied)
  let at = 0
  for (const it of items) {
    const bytes = (it.content as Y.ContentBinary).content
    const shared = arenas.get(bytes.buffer)
    if (shared !== undefined) {
      it.content = new PackedBinary(shared, bytes.byteOffset, bytes.length)
    } else {
      arena.set(bytes, at)
      it.content = new PackedBinary(arena, at, bytes.length)
      at += bytes.length
    }
  }
  return items.length
}
