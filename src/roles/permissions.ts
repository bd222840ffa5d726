/**
 * What a member may do to whom, from the roles as `chat.roles(room)` lists them: the same rules as the fold
 * (src/roles/fold.ts), for UIs deciding which actions to offer. The fold stays the authority; the API refuses the rest.
 */
import { ROLE_RANK } from './types.ts'
import type { InvitePolicy, Role, RoleInfo } from './types.ts'

/** Offered actions of `me` in a room. */
export interface Permissions {
  /** Room has roles (false: an open room, nobody moderates). */
  roles: boolean
  myRole: Role | undefined
  canKick: (userId: string) => boolean
  canBan: (userId: string) => boolean
  /** Roles `me` may give `userId` (empty: none). */
  assignable: (userId: string) => Role[]
  canRemoveMessageOf: (authorId: string) => boolean
  canEditSettings: boolean
  /** Our role is at least the room's `invite` setting (we may let newcomers in: share the link, grant keys). */
  canInvite: boolean
}

/** The permissions of `me` given the room's role list. */
export function permissionsOf (me: string, roles: readonly RoleInfo[], hasRoles: boolean, invite: InvitePolicy = 'member'): Permissions {
  const rank = (id: string): number => { const r = roles.find(x => x.userId === id)?.role; return r === undefined ? 0 : ROLE_RANK[r] }
  const mine = rank(me)
  const myRole = roles.find(x => x.userId === me)?.role
  const below = (id: string): boolean => hasRoles && id !== me && rank(id) < mine
  return {
    roles: hasRoles,
    myRole,
    canKick: (id) => mine >= ROLE_RANK.moderator && below(id) && rank(id) > 0,
    canBan: (id) => mine >= ROLE_RANK.moderator && below(id),
    assignable: (id) => {
      if (!hasRoles || mine < ROLE_RANK.admin || !below(id)) return []
      const out = (['admin', 'moderator', 'member'] as Role[]).filter(r => ROLE_RANK[r] < mine && roles.find(x => x.userId === id)?.role !== r)
      if (myRole === 'owner') out.unshift('owner')
      return out
    },
    canRemoveMessageOf: (author) => hasRoles && mine >= ROLE_RANK.moderator && (author === me || rank(author) < mine),
    canEditSettings: hasRoles && mine >= ROLE_RANK.admin,
    canInvite: !hasRoles || mine >= ROLE_RANK[invite]
  }
}
