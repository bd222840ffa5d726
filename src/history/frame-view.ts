/**
 * The read path of a room log: its frames in log order, each message id once.
 *
 * The same frame can sit in the Y.Array twice (a peer re-publishes after a restart, a relay replays a frame under
 * another Yjs id). We keep every insert in the CRDT (removing one would need a delete, which the guard forbids) and
 * dedupe here instead: the first occurrence in log order wins. Log order is the same on every peer after sync, so
 * every peer shows the same single copy at the same position.
 */
import { FRAME_ID_OFFSET, MESSAGE_ID_BYTES } from '../constants.ts'

/** The 16-byte message id of a frame as a compact map key (one-byte string, 16 chars). */
export function frameIdKey (frame: Uint8Array): string {
  return String.fromCharCode.apply(null, frame.subarray(FRAME_ID_OFFSET, FRAME_ID_OFFSET + MESSAGE_ID_BYTES) as unknown as number[])
}

/** Same key from a bare 16-byte id. */
export function idKey (id: Uint8Array): string {
  return String.fromCharCode.apply(null, id as unknown as number[])
}

export class FrameView {
  private frames: Uint8Array[] = []
  private ids = new Set<string>()
  private dirty = false

  /** Rebuilds from the whole log (after a load, or after an insert that landed before the end). */
  reset (all: Uint8Array[]): void {
    this.frames = []
    this.ids = new Set()
    this.dirty = false
    for (const f of all) this.pushIfNew(f)
  }

  /** True when a frame with this id key is already in the view. */
  has (key: string): boolean { return this.ids.has(key) }

  /** Adds frames inserted at the end of the log; returns those whose id was new. */
  appendAtEnd (inserted: Uint8Array[]): Uint8Array[] {
    const fresh: Uint8Array[] = []
    for (const f of inserted) if (this.pushIfNew(f)) fresh.push(f)
    return fresh
  }

  /**
   * Notes frames inserted before the end (a concurrent insert that sorts earlier). Their ids are recorded now so
   * callers learn which are new; positions are fixed lazily by {@link FrameView.ensure}.
   */
  insertedInMiddle (inserted: Uint8Array[]): Uint8Array[] {
    this.dirty = true
    const fresh: Uint8Array[] = []
    for (const f of inserted) {
      const k = frameIdKey(f)
      if (!this.ids.has(k)) { this.ids.add(k); fresh.push(f) }
    }
    return fresh
  }

  get isDirty (): boolean { return this.dirty }

  /** Rebuilds positions if an earlier insert made them stale. */
  ensure (all: () => Uint8Array[]): void {
    if (this.dirty) this.reset(all())
  }

  get length (): number { return this.frames.length }

  slice (from?: number, to?: number): Uint8Array[] { return this.frames.slice(from, to) }

  private pushIfNew (f: Uint8Array): boolean {
    const k = frameIdKey(f)
    if (this.ids.has(k)) return false
    this.ids.add(k)
    this.frames.push(f)
    return true
  }
}
