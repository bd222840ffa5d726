/**
 * Folds a room's opened messages (in log order) into what a UI shows: texts, with edits, deletes and reactions
 * applied (only the author may edit or delete), and display names from the authors' profile messages.
 * Kept small on purpose: the chat layer's own view of a room until the history layer's read model replaces it.
 */
import { toHex } from '../crypto/encoding.ts'
import type { MessageView, OpenedMessage } from '../history/types.ts'

export interface FoldResult {
  views: MessageView[]
  names: Map<string, string>
}

/** Folds `opened` (log order) into message views. */
export function foldMessages (opened: OpenedMessage[]): FoldResult {
  const names = new Map<string, { name: string, time: number }>()
  const byId = new Map<string, MessageView>()
  const views: MessageView[] = []
  for (const [index, m] of opened.entries()) {
    const b = m.body
    if (b.k === 'profile') {
      const prev = names.get(m.authorId)
      if (prev == null || prev.time <= m.time) names.set(m.authorId, { name: b.name, time: m.time })
    } else if (b.k === 'text') {
      const v: MessageView = { id: m.idText, authorId: m.authorId, text: b.text, time: m.time, index, edited: false, deleted: false, reactions: {}, body: b }
      if (b.reply != null) v.replyTo = toHex(b.reply)
      byId.set(m.idText, v)
      views.push(v)
    }
  }
  for (const m of opened) {
    const b = m.body
    if (b.k !== 'edit' && b.k !== 'delete' && b.k !== 'react') continue
    const target = byId.get(toHex(b.target))
    if (target == null) continue
    if (b.k === 'edit' && target.authorId === m.authorId && !target.deleted) {
      target.text = b.text
      target.edited = true
    } else if (b.k === 'delete' && target.authorId === m.authorId) {
      target.deleted = true
      target.text = ''
      target.reactions = {}
    } else if (b.k === 'react' && !target.deleted) {
      const who = new Set(target.reactions[b.emoji] ?? [])
      if (b.on) who.add(m.authorId)
      else who.delete(m.authorId)
      if (who.size > 0) target.reactions[b.emoji] = [...who]
      else Reflect.deleteProperty(target.reactions, b.emoji)
    }
  }
  const plainNames = new Map<string, string>()
  for (const [id, { name }] of names) plainNames.set(id, name)
  for (const v of views) {
    const name = plainNames.get(v.authorId)
    if (name != null) v.authorName = name
  }
  return { views, names: plainNames }
}
