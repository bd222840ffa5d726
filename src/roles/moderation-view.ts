/** Applies moderator removals to the read model's views (src/history/read-model.ts): removed = deleted for all. */
import type { ReadModel } from '../history/read-model.ts'
import type { MessageView } from '../history/types.ts'
import type { RoleState } from './types.ts'

/** Marks views a moderator removed (text, reactions gone; `removedBy` set). Returns the same model. */
export function applyModeration (model: ReadModel, state: RoleState): ReadModel {
  if (state.removedMessages.size === 0) return model
  for (const v of model.views) {
    const by = state.removedMessages.get(v.id)
    if (by !== undefined) markRemoved(v, by)
  }
  return model
}

/** What a moderator's removal leaves of a view: deleted for all, no text or reactions, who removed it. */
export function markRemoved (v: MessageView, by: string): void {
  v.deleted = true
  v.text = ''
  v.reactions = {}
  v.removedBy = by
}

/**
 * Sequence holes explained by frames we hold but cannot open (an epoch whose key we lack: removed, or a newcomer
 * under history `joined`) are not missing messages: when everything the gaps count fits in the `locked` frames, no
 * gap is reported (the authors of locked frames are inside their ciphertext, so the match is by count).
 */
export function gapsBesidesLocked (model: ReadModel, locked: number): ReadModel {
  if (locked === 0 || model.gaps.length === 0) return model
  const missing = model.gaps.reduce((n, g) => n + g.missing, 0)
  if (missing <= locked) model.gaps = []
  return model
}
