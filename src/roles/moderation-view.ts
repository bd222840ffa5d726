/** Applies moderator removals to the read model's views (src/history/read-model.ts): removed = deleted for all. */
import type { ReadModel } from '../history/read-model.ts'
import type { RoleState } from './types.ts'

/** Marks views a moderator removed (text, reactions gone; `removedBy` set). Returns the same model. */
export function applyModeration (model: ReadModel, state: RoleState): ReadModel {
  if (state.removedMessages.size === 0) return model
  for (const v of model.views) {
    const by = state.removedMessages.get(v.id)
    if (by === undefined) continue
    v.deleted = true
    v.text = ''
    v.reactions = {}
    v.removedBy = by
  }
  return model
}
