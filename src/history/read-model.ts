/**
 * The read model: folds a room's opened messages, in log order, into what a UI shows. Pure functions.
 *
 * Rules (PROTOCOL.md "Bodies"): an edit or delete counts only when its author is the target's author (others are
 * ignored and counted); the last edit in log order wins; a deleted message keeps its place, loses its text and
 * reactions, and takes no more edits. A reaction is a per-user toggle: the last `on` of (user, emoji) in log order
 * decides. Names come from the authors' latest profile message in log order (log order, not the author's clock,
 * so every peer agrees). An edit, delete or reaction that comes before its target in the log waits for it.
 * Gaps: every stored message of an (author, device) uses the next sequence number, so holes in the numbers seen
 * are messages we do not have (yet).
 */
import { toHex } from '../crypto/encoding.ts'
import type { Gap, MessageView, OpenedMessage } from './types.ts'

/** Most missing sequence numbers listed in one Gap. */
const GAP_SEQS_LISTED = 16

export interface IgnoredCounts {
  /** Edits whose author is not the target's author. */
  editNotAuthor: number
  /** Deletes whose author is not the target's author. */
  deleteNotAuthor: number
  /** Edits of an already deleted message. */
  editDeleted: number
  /** Edits, deletes and reactions whose target is not (yet) in the log. */
  unknownTarget: number
  /** A message id seen twice (the second is ignored). */
  duplicate: number
  /** Bodies this version does not show (ephemeral kinds, unknown kinds from newer peers). */
  notShown: number
}

export interface ReadModel {
  /** Visible messages (text and file) in log order. */
  views: MessageView[]
  /** Display names by author id. */
  names: Map<string, string>
  /** Room name and topic line from the latest `room` message, if any. */
  room: { name?: string, topic?: string }
  /** Missing messages per (author, device). */
  gaps: Gap[]
  ignored: IgnoredCounts
}

type Op = { m: OpenedMessage }

/** Folds `opened` (in log order; index = position in that list) into views, names, gaps and counts. */
export function foldMessages (opened: readonly OpenedMessage[]): ReadModel {
  const ignored: IgnoredCounts = { editNotAuthor: 0, deleteNotAuthor: 0, editDeleted: 0, unknownTarget: 0, duplicate: 0, notShown: 0 }
  const names = new Map<string, string>()
  const room: ReadModel['room'] = {}
  /** Every id seen, with its view (null: a message that is not shown): one map entry per message, not two. */
  const byId = new Map<string, MessageView | null>()
  const views: MessageView[] = []
  const waiting = new Map<string, Op[]>()
  /** (user ‖ emoji) → on, per target. */
  const reactionState = new Map<string, Map<string, { user: string, emoji: string, on: boolean }>>()
  /** Sequence numbers seen, by author and device (nested maps: no key string built per message). */
  const seqs = new Map<string, Map<number, SeqsSeen>>()
  const allSeqs: SeqsSeen[] = []

  const applyOp = (target: MessageView, m: OpenedMessage): void => {
    const b = m.body
    if (b.k === 'edit') {
      if (m.authorId !== target.authorId) { ignored.editNotAuthor++; return }
      if (target.deleted) { ignored.editDeleted++; return }
      target.text = b.text
      target.edited = true
    } else if (b.k === 'delete') {
      if (m.authorId !== target.authorId) { ignored.deleteNotAuthor++; return }
      target.deleted = true
      target.text = ''
      target.reactions = {}
      reactionState.delete(target.id)
    } else if (b.k === 'react') {
      if (target.deleted) return
      let state = reactionState.get(target.id)
      if (state === undefined) { state = new Map(); reactionState.set(target.id, state) }
      state.set(`${m.authorId}\u0000${b.emoji}`, { user: m.authorId, emoji: b.emoji, on: b.on })
      const reactions: Record<string, string[]> = {}
      for (const r of state.values()) if (r.on) (reactions[r.emoji] ??= []).push(r.user)
      target.reactions = reactions
    }
  }

  for (const m of opened) {
    if (byId.has(m.idText)) { ignored.duplicate++; continue }
    byId.set(m.idText, null)
    let byDevice = seqs.get(m.authorId)
    if (byDevice === undefined) { byDevice = new Map(); seqs.set(m.authorId, byDevice) }
    let s = byDevice.get(m.device)
    if (s === undefined) { s = new SeqsSeen(m.authorId, m.device); byDevice.set(m.device, s); allSeqs.push(s) }
    s.add(m.seq)

    const b = m.body
    switch (b.k) {
      case 'text':
      case 'file': {
        const v: MessageView = {
          id: m.idText,
          authorId: m.authorId,
          text: b.k === 'text' ? b.text : '',
          time: m.time,
          index: views.length,
          edited: false,
          deleted: false,
          reactions: {},
          body: b
        }
        if (b.k === 'text' && b.reply !== undefined) v.replyTo = toHex(b.reply)
        byId.set(m.idText, v)
        views.push(v)
        const ops = waiting.get(m.idText)
        if (ops !== undefined) {
          waiting.delete(m.idText)
          ignored.unknownTarget -= ops.length
          for (const op of ops) applyOp(v, op.m)
        }
        break
      }
      case 'edit':
      case 'delete':
      case 'react': {
        const targetId = toHex(b.target)
        const target = byId.get(targetId)
        if (target == null) {
          ignored.unknownTarget++
          const list = waiting.get(targetId) ?? []
          list.push({ m })
          waiting.set(targetId, list)
        } else {
          applyOp(target, m)
        }
        break
      }
      case 'profile':
        names.set(m.authorId, b.name)
        break
      case 'room':
        if (b.name !== undefined) room.name = b.name
        if (b.topic !== undefined) room.topic = b.topic
        break
      default:
        ignored.notShown++
    }
  }
  for (const v of views) {
    const n = names.get(v.authorId)
    if (n !== undefined) v.authorName = n
  }
  return { views, names, room, gaps: gapsOf(allSeqs, names), ignored }
}

/**
 * The distinct sequence numbers seen from one (author, device): 1..upTo all seen, plus a set of those above it. An
 * author's messages mostly come in order, so the set stays small; a Set of every number cost a cold open of 100k
 * messages more than the rest of the fold (P6).
 */
class SeqsSeen {
  readonly authorId: string
  readonly device: number
  /** Every number in 1..upTo was seen. */
  upTo = 0
  /** Numbers seen above upTo + 1 (never upTo + 1 itself: it would have been absorbed). */
  above: Set<number> | undefined
  max = 0

  constructor (authorId: string, device: number) {
    this.authorId = authorId
    this.device = device
  }

  add (seq: number): void {
    if (seq > this.max) this.max = seq
    if (seq <= this.upTo) return
    if (seq !== this.upTo + 1) { (this.above ??= new Set()).add(seq); return }
    this.upTo = seq
    const above = this.above
    if (above === undefined) return
    while (above.delete(this.upTo + 1)) this.upTo++
  }

  /** Distinct numbers seen. */
  get size (): number { return this.upTo + (this.above?.size ?? 0) }

  has (seq: number): boolean { return seq <= this.upTo || (this.above?.has(seq) ?? false) }
}

function gapsOf (entries: Iterable<SeqsSeen>, names: Map<string, string>): Gap[] {
  const gaps: Gap[] = []
  for (const e of entries) {
    const missing = e.max - e.size
    if (missing <= 0) continue
    const list: number[] = []
    for (let q = e.upTo + 1; q <= e.max && list.length < GAP_SEQS_LISTED; q++) if (!e.has(q)) list.push(q)
    const gap: Gap = { authorId: e.authorId, device: e.device, missing, seqs: list, highest: e.max }
    const name = names.get(e.authorId)
    if (name !== undefined) gap.authorName = name
    gaps.push(gap)
  }
  return gaps
}

/** Gaps of a list of opened messages (same as `foldMessages(opened).gaps`). */
export function gaps (opened: readonly OpenedMessage[]): Gap[] {
  return foldMessages(opened).gaps
}

/** A short English line for a gap, e.g. "2 messages from Ana missing". */
export function describeGap (gap: Gap): string {
  const who = gap.authorName ?? gap.authorId.slice(0, 10)
  return `${gap.missing} message${gap.missing === 1 ? '' : 's'} from ${who} missing`
}
