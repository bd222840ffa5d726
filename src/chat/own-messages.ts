/**
 * Our own messages in one room and what the relays are known to hold of them (delivery state). A room can hold
 * 100k+ of our messages (PROTOCOL.md "Large rooms") while only the last few are still travelling, so the delivery
 * check asks about, and walks, only the ones a relay has not been seen to hold, and the lost-publish check only the
 * ones sent in the last keep period: its cost follows what is in flight, not the size of the room.
 */
import type { DeliveryState, MessageView } from '../history/types.ts'

export interface Mine {
  relays: Set<string>
  delivery: DeliveryState
  /** False while our own write of it may still be lost (before its fsync / strict transaction): no state is shown. */
  durable: boolean
  /** When we wrote it (ms); a relay still lacking it a while later gets it pushed by a sync. 0: loaded from disk. */
  since: number
}

export class OwnMessages {
  /** Every one of our messages in the room, in the order we learnt of them (send order for those sent here). */
  readonly #all = new Map<string, Mine>()
  /** Per relay asked about the room: our message ids it has not been seen to hold, oldest first. */
  readonly #unheld = new Map<string, Set<string>>()
  /** Sent since we started (`since` > 0) and not yet aged out of the keep period, in send order. */
  readonly #recent: Array<{ id: string, mine: Mine }> = []
  /** Send order of the messages in `#recent` (an ordinal that only grows). */
  readonly #ordinal = new Map<string, number>()
  #nextOrdinal = 0
  /** Per relay: the ordinal of the latest-sent message in `#recent` it was seen to hold. */
  readonly #newestHeld = new Map<string, number>()

  get size (): number { return this.#all.size }

  get (id: string): Mine | undefined { return this.#all.get(id) }

  has (id: string): boolean { return this.#all.has(id) }

  add (id: string, mine: Mine): void {
    if (this.#all.has(id)) return
    this.#all.set(id, mine)
    for (const [relay, ids] of this.#unheld) if (!mine.relays.has(relay)) ids.add(id)
    if (mine.since > 0) {
      this.#recent.push({ id, mine })
      this.#ordinal.set(id, this.#nextOrdinal++)
    }
  }

  /** Records that `relay` holds `id`; false if that was known already (or the message is not ours). */
  markHeld (relay: string, id: string): boolean {
    const mine = this.#all.get(id)
    if (mine === undefined || mine.relays.has(relay)) return false
    mine.relays.add(relay)
    this.#unheld.get(relay)?.delete(id)
    const ordinal = this.#ordinal.get(id)
    if (ordinal !== undefined && ordinal > (this.#newestHeld.get(relay) ?? -1)) this.#newestHeld.set(relay, ordinal)
    return true
  }

  /** Ids `relay` has not been seen to hold, oldest first (a live set: copy it before marking any held). */
  unheld (relay: string): ReadonlySet<string> {
    let ids = this.#unheld.get(relay)
    if (ids === undefined) {
      // First question to this relay about the room: everything not known to be held by it (once per relay).
      ids = new Set()
      for (const [id, mine] of this.#all) if (!mine.relays.has(relay)) ids.add(id)
      this.#unheld.set(relay, ids)
    }
    return ids
  }

  /** Up to `max` ids `relay` has not been seen to hold, newest first. */
  pendingIds (relay: string, max: number): string[] {
    const ids = [...this.unheld(relay)]
    return ids.slice(Math.max(0, ids.length - max)).reverse()
  }

  /**
   * Whether `relay` lost one of the messages we sent in the last `windowMs` (at `now`): it holds a message sent after
   * one that it still lacks `checkMs` after sending, or it still lacks one `lostMs` after sending. Walks only what
   * the relay lacks; messages sent before the window are dropped from the bookkeeping for good.
   */
  lostOnTheWay (relay: string, now: number, windowMs: number, lostMs: number, checkMs: number): boolean {
    let old = 0
    while (old < this.#recent.length && (this.#recent[old] as { mine: Mine }).mine.since <= now - windowMs) {
      this.#ordinal.delete((this.#recent[old] as { id: string }).id)
      old++
    }
    if (old > 0) this.#recent.splice(0, old)
    const newestHeld = this.#newestHeld.get(relay) ?? -1
    for (const id of this.unheld(relay)) {
      const ordinal = this.#ordinal.get(id)
      const mine = this.#all.get(id)
      // Loaded from disk or sent before the window: left to the periodic keep refresh. (A clock that went back can
      // leave an old one in the window's list: still not part of the window.)
      if (ordinal === undefined || mine === undefined || mine.since <= now - windowMs) continue
      if (mine.since <= now - lostMs) return true
      if (mine.since <= now - checkMs && newestHeld > ordinal) return true
    }
    return false
  }

  entries (): IterableIterator<[string, Mine]> { return this.#all.entries() }
}

/** What the "seen by N" walk needs to remember between walks. */
export interface SeenState {
  /** Other readers' read markers (user id → message id) as of the last walk. */
  markers: Map<string, string>
  /**
   * One of ours was added anywhere but at the end (loaded, synced from another device), or a marker's message arrived
   * after the marker: the next walk goes through the whole room.
   */
  full: boolean
}

export function seenState (): SeenState {
  return { markers: new Map(), full: true }
}

/**
 * "Seen by N" of our messages: N readers (anyone but `me`) have a read marker at or after it. Walks `views` from the
 * newest back, counting the markers passed, and calls `seen` for each of our messages passed by at least one. Only
 * messages between the end and the markers that moved since the last walk (where they point now and where they
 * pointed) can change count, so the walk ends once it has met all of those; it also ends at a message of ours that
 * every reader's marker has passed and that is already counted as seen by all of them (all before it are too). A new
 * reader, or `state.full`, walks everything. In a room of 100k messages a read marker then costs a walk back to
 * where that reader was, not a map of the room (nor a walk back to a reader far behind).
 *
 * Not covered: a marker whose message leaves the views (hidden by a moderator) keeps its old count until the next
 * full walk.
 */
export function walkSeen (views: readonly MessageView[], readMarkers: ReadonlyMap<string, string>, me: string, own: OwnMessages,
  state: SeenState, seen: (id: string, mine: Mine, peers: number) => void): void {
  let everything = state.full
  state.full = false
  const readersAt = new Map<string, number>()
  const moved = new Set<string>()
  const now = new Map<string, string>()
  for (const [user, upTo] of readMarkers) {
    if (user === me) continue
    now.set(user, upTo)
    readersAt.set(upTo, (readersAt.get(upTo) ?? 0) + 1)
    const before = state.markers.get(user)
    if (before === upTo) continue
    if (before === undefined) everything = true // every message of ours before its marker gains a reader
    else moved.add(before)
    moved.add(upTo)
  }
  state.markers = now
  if (now.size === 0 || (!everything && moved.size === 0)) return
  let passed = 0
  for (let i = views.length - 1; i >= 0; i--) {
    const v = views[i] as MessageView
    passed += readersAt.get(v.id) ?? 0
    const lastToChange = !everything && moved.delete(v.id) && moved.size === 0
    if (passed > 0 && v.authorId === me) {
      const mine = own.get(v.id)
      if (mine !== undefined) {
        if (passed === now.size && !everything && mine.delivery.state === 'seen' && mine.delivery.peers === passed) return
        seen(v.id, mine, passed)
      }
    }
    if (lastToChange) return
  }
}
