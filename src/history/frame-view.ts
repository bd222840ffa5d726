/**
 * The read path of a room log: its frames in log order, each message id once.
 *
 * The same frame can sit in the Y.Array twice (a peer re-publishes after a restart, a relay replays a frame under
 * another Yjs id). We keep every insert in the CRDT (removing one would need a delete, which the guard forbids) and
 * dedupe here instead: the first occurrence in log order wins. Log order is the same on every peer after sync, so
 * every peer shows the same single copy at the same position.
 *
 * Memory (issue 4, P7): the view holds the log's own entries (Yjs items), not frames, and reads a frame from its
 * entry only when asked for it; ids are kept in an {@link IdSet}. Per message that is one array slot and ~24 bytes.
 */
import { FRAME_ID_OFFSET } from '../constants.ts'
import { IdSet } from './id-set.ts'

export class FrameView<T> {
  private entries: T[] = []
  private ids = new IdSet()
  private dirty = false
  private readonly frameOf: (entry: T) => Uint8Array

  /** @param frameOf - the frame bytes of an entry (called on every read: keep it cheap) */
  constructor (frameOf: (entry: T) => Uint8Array) {
    this.frameOf = frameOf
  }

  /** Rebuilds from the whole log (after a load, or after an insert that landed before the end). */
  reset (all: T[]): void {
    this.entries = []
    this.ids = new IdSet(all.length)
    this.dirty = false
    for (const e of all) this.pushIfNew(e)
  }

  /** True when a frame with this 16-byte message id is already in the view. */
  has (id: Uint8Array): boolean { return this.ids.has(id) }

  /** Adds entries inserted at the end of the log; returns the frames of those whose id was new. */
  appendAtEnd (inserted: T[]): Uint8Array[] {
    const fresh: Uint8Array[] = []
    for (const e of inserted) {
      const f = this.pushIfNew(e)
      if (f !== undefined) fresh.push(f)
    }
    return fresh
  }

  /**
   * Notes entries inserted before the end (a concurrent insert that sorts earlier). Their ids are recorded now so
   * callers learn which are new; positions are fixed lazily by {@link FrameView.ensure}.
   */
  insertedInMiddle (inserted: T[]): Uint8Array[] {
    this.dirty = true
    const fresh: Uint8Array[] = []
    for (const e of inserted) {
      const f = this.frameOf(e)
      if (this.ids.add(f, FRAME_ID_OFFSET)) fresh.push(f)
    }
    return fresh
  }

  get isDirty (): boolean { return this.dirty }

  /** Rebuilds positions if an earlier insert made them stale. */
  ensure (all: () => T[]): void {
    if (this.dirty) this.reset(all())
  }

  get length (): number { return this.entries.length }

  /** Frames of the view, like `Array.prototype.slice`. */
  slice (from?: number, to?: number): Uint8Array[] {
    const part = this.entries.slice(from, to)
    const out = new Array<Uint8Array>(part.length)
    for (let i = 0; i < part.length; i++) out[i] = this.frameOf(part[i] as T)
    return out
  }

  private pushIfNew (e: T): Uint8Array | undefined {
    const f = this.frameOf(e)
    if (!this.ids.add(f, FRAME_ID_OFFSET)) return undefined
    this.entries.push(e)
    return f
  }
}
