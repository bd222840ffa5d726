/**
 * Memory of a loaded room (issue 4, P7). Yjs' v1 decoder copies every binary item into its own ArrayBuffer, so a
 * loaded frame costs, besides its bytes, a ContentBinary (32 B), a Uint8Array (96 B) and an ArrayBuffer (88 B) on
 * the JS heap, plus the allocation of its backing store. After a load, {@link packFrames} moves all frames into one
 * buffer and gives each item a {@link PackedBinary}: an offset and a length into that buffer (48 B), whose
 * `content` is a view made when read. It is still a `Y.ContentBinary` to Yjs and to the log (same bytes, same
 * encoding, same ref), so nothing else changes.
 */
import * as Y from 'yjs'

const EMPTY = new Uint8Array(0)

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

/** The items of a log array in list order (all of them: the log never deletes, and only holds binary items). */
export function logItems (arr: Y.Array<Uint8Array>): Y.Item[] {
  const out: Y.Item[] = []
  for (let it = arr._start; it !== null; it = it.right) {
    if (!it.deleted && it.countable) out.push(it)
  }
  return out
}

/**
 * Moves the frames of every binary item not yet packed into one new buffer (one copy of the payload), and returns
 * how many were moved. Run after a load, when the doc holds many items Yjs has just decoded; items inserted later
 * keep their own buffers until the next load.
 */
export function packFrames (arr: Y.Array<Uint8Array>): number {
  const items: Y.Item[] = []
  let total = 0
  for (let it = arr._start; it !== null; it = it.right) {
    const c = it.content
    if (c instanceof Y.ContentBinary && !(c instanceof PackedBinary)) {
      items.push(it)
      total += c.content.length
    }
  }
  if (items.length === 0) return 0
  const arena = new Uint8Array(total)
  let at = 0
  for (const it of items) {
    const bytes = (it.content as Y.ContentBinary).content
    arena.set(bytes, at)
    it.content = new PackedBinary(arena, at, bytes.length)
    at += bytes.length
  }
  return items.length
}
