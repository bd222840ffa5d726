/**
 * The shown-tail record of a room (PROTOCOL.md "Tail-first open"): what this device's full read model showed at the
 * end of the room when it was last written, so that the next cold open can show the last messages before it has
 * decrypted and folded the whole room.
 *
 * The rule: an early view shows only what a full, validated fold showed before. Whether a message may be shown
 * depends on the whole room (its author's membership at its place in the log, moderator removals checked against
 * the remover's role), which is only known after folding everything. So the record keeps the verdicts of the last
 * full fold: the ids of the last SHOWN_TAIL_FRAMES log frames that fold counted (not hidden by roles, opened), and
 * the last SHOWN_TAIL_VIEWS views (id, position, moderator removal) with their authors' names. The early view folds
 * only those frames (opened again with every check this device applies to stored frames: the opened-frames cache or
 * openFrame) and keeps only those views. A frame the record does not know (it arrived after the record was written)
 * plays no part until the full open, which then replaces the early view in full; so does anything the full fold
 * finds different. The record holds no message text (the text comes from the frames); it holds the keys of the epochs
 * those frames are sealed in (learned by this device from the whole room), and is sealed with a key derived from the
 * room key, like everything else of the room at rest.
 */
import { MAX_SHOWN_TAIL_RECORD_BYTES, NONCE_BYTES, SHOWN_TAIL_VIEWS, TAG_SHOWN_TAIL } from '../constants.ts'
import { fromHex, toHex, utf8Decode, utf8Encode } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { randomBytes } from '../crypto/random.ts'
import { secretboxOpen, secretboxSeal } from '../crypto/secretbox.ts'
import { foldMessages } from '../history/read-model.ts'
import { markRemoved } from '../roles/moderation-view.ts'
import type { ReadModel } from '../history/read-model.ts'
import type { MessageView, OpenedMessage } from '../history/types.ts'

/** One view the full read model showed: its id, its index there, and who removed it (moderation), if anyone did. */
export interface ShownView {
  id: string
  index: number
  removedBy?: string
}

export interface ShownTail {
  /** Ids (hex) of the last log frames the full fold counted, in log order. */
  frames: string[]
  /** The last views of the full read model, in order. */
  views: ShownView[]
  /** Display names of those views' authors. */
  names: Map<string, string>
  /**
   * Keys of the epochs above 0 those frames are sealed in, as this device held them (the keyring learns them from
   * grants folded from the whole room, so without them a room that ever rotated its key would show nothing early).
   */
  epochKeys: Map<number, Uint8Array>
  /**
   * Opened-frames fingerprints (hex, src/history/opened-frames.ts) of those frames: each passed openFrame here, so the
   * early view only decrypts a frame whose bytes match one, without loading the room's whole opened-frames record
   * (100k fingerprints: tens of ms of a cold open). Absent in records written before it: the early view then loads
   * that record first.
   */
  prints?: string[]
}

/** Meta key of a room's record. `opened-` like the opened-frames record: a cache, left out of the rescue copy. */
export function shownTailMetaKey (roomIdText: string): string {
  return `opened-shown-${roomIdText}`
}

/**
 * The record of a room from its current full read model (`fold`, views already filtered by roles and moderated),
 * the ids of its last log frames, and which of them the fold counted (`counted`: opened and not hidden by roles).
 */
export function shownTailOf (fold: ReadModel, lastFrameIds: readonly string[], counted: (id: string) => boolean, epochKeys: Map<number, Uint8Array> = new Map()): ShownTail {
  const views = fold.views.slice(-SHOWN_TAIL_VIEWS)
  const names = new Map<string, string>()
  for (const v of views) {
    const n = fold.names.get(v.authorId)
    if (n !== undefined) names.set(v.authorId, n)
  }
  return {
    frames: lastFrameIds.filter(counted),
    views: views.map(v => (v.removedBy !== undefined ? { id: v.id, index: v.index, removedBy: v.removedBy } : { id: v.id, index: v.index })),
    names,
    epochKeys
  }
}

function keyOf (roomKey: Uint8Array): Uint8Array {
  return deriveKey(roomKey, TAG_SHOWN_TAIL, 32)
}

/** Nonce ‖ secretbox(JSON). */
export function sealShownTail (record: ShownTail, roomKey: Uint8Array): Uint8Array {
  // `p` is optional within version 1: a reader that predates it ignores it.
  const json = JSON.stringify({ v: 1, f: record.frames, w: record.views.map(v => [v.id, v.index, v.removedBy ?? null]), n: [...record.names], e: [...record.epochKeys].map(([e, k]) => [e, toHex(k)]), ...(record.prints !== undefined ? { p: record.prints } : {}) })
  const nonce = randomBytes(NONCE_BYTES)
  const box = secretboxSeal(utf8Encode(json), nonce, keyOf(roomKey))
  const out = new Uint8Array(NONCE_BYTES + box.length)
  out.set(nonce)
  out.set(box, NONCE_BYTES)
  return out
}

const HEX_ID = /^[0-9a-f]{32}$/

/** Opens and checks a record; anything missing, damaged, foreign or out of bounds is undefined (no early view). */
export function openShownTail (bytes: Uint8Array | undefined, roomKey: Uint8Array): ShownTail | undefined {
  if (bytes === undefined || bytes.length <= NONCE_BYTES || bytes.length > MAX_SHOWN_TAIL_RECORD_BYTES) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(utf8Decode(secretboxOpen(bytes.subarray(NONCE_BYTES), bytes.subarray(0, NONCE_BYTES), keyOf(roomKey))))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { v, f, w, n, e: ek, p } = parsed as { v?: unknown, f?: unknown, w?: unknown, n?: unknown, e?: unknown, p?: unknown }
  if (v !== 1 || !Array.isArray(f) || !Array.isArray(w) || !Array.isArray(n) || !Array.isArray(ek)) return undefined
  if (!f.every(id => typeof id === 'string' && HEX_ID.test(id))) return undefined
  // Fingerprints are 16 bytes, like ids; one per recorded frame at most.
  if (p !== undefined && (!Array.isArray(p) || p.length > f.length || !p.every(x => typeof x === 'string' && HEX_ID.test(x)))) return undefined
  const views: ShownView[] = []
  for (const e of w) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !HEX_ID.test(e[0]) || !Number.isSafeInteger(e[1]) || (e[1] as number) < 0) return undefined
    if (e[2] !== null && typeof e[2] !== 'string') return undefined
    views.push(typeof e[2] === 'string' ? { id: e[0], index: e[1] as number, removedBy: e[2] } : { id: e[0], index: e[1] as number })
  }
  const names = new Map<string, string>()
  for (const e of n) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string') return undefined
    names.set(e[0], e[1])
  }
  const epochKeys = new Map<number, Uint8Array>()
  for (const e of ek) {
    if (!Array.isArray(e) || !Number.isSafeInteger(e[0]) || (e[0] as number) < 1 || typeof e[1] !== 'string' || !/^[0-9a-f]{64}$/.test(e[1])) return undefined
    epochKeys.set(e[0] as number, fromHex(e[1]))
  }
  const record: ShownTail = { frames: f as string[], views, names, epochKeys }
  if (p !== undefined) record.prints = p as string[]
  return record
}

/**
 * The early read model: `opened` (the record's frames found at the end of the log, opened, in log order) folded as the
 * full read model folds them, keeping only the recorded views, at their recorded positions, with the recorded
 * moderator removals and names (a profile among `opened` is newer than the record's and wins, as in the full fold).
 * Gaps need the whole room: none are reported early.
 */
export function earlyReadModel (opened: readonly OpenedMessage[], record: ShownTail): ReadModel {
  const fold = foldMessages(opened)
  const shown = new Map(record.views.map(v => [v.id, v]))
  const views: MessageView[] = []
  for (const v of fold.views) {
    const r = shown.get(v.id)
    if (r === undefined) continue
    v.index = r.index
    if (r.removedBy !== undefined) markRemoved(v, r.removedBy)
    const name = fold.names.get(v.authorId) ?? record.names.get(v.authorId)
    if (name !== undefined) v.authorName = name
    views.push(v)
  }
  const names = new Map(record.names)
  for (const [k, n] of fold.names) names.set(k, n)
  return { views, names, room: fold.room, gaps: [], ignored: fold.ignored }
}
