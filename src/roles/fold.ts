/**
 * The membership fold: a room's opened messages, in log order, into roles, bans, settings, epochs, moderation
 * and the messages not to show. Pure and deterministic: every peer with the same log gets the same state.
 * The rules are in PROTOCOL.md "Roles and key epochs"; each is checked against the signer's role at that point of
 * the log, never at the end.
 */
import { toHex } from '../crypto/encoding.ts'
import { userIdFromPublicKey } from '../identity/user-id.ts'
import type { OpenedMessage } from '../envelope/types.ts'
import { ROLE_RANK } from './types.ts'
import type { FoldInput, IgnoredReason, InvitePolicy, MemberState, ModerationEntry, Role, RoleState, RoomSettings } from './types.ts'

/** Bodies that are membership operations (a non-member's are ignored, never "hidden": they are not shown anyway). */
const OP_KINDS = new Set(['genesis', 'role', 'kick', 'ban', 'remove', 'settings', 'keys'])

/** Bodies after which a chat folds membership again: ops, and profiles (they carry the box keys grants go to). */
export const REFRESH_KINDS: ReadonlySet<string> = new Set([...OP_KINDS, 'profile'])

/** An empty state: an open room at epoch 0. */
export function emptyRoleState (): RoleState {
  return {
    roles: false,
    members: new Map(),
    banned: new Set(),
    removed: new Set(),
    settings: { invite: 'member', history: 'all' },
    epoch: 0,
    keyOps: [],
    revokedBoxKeys: new Set(),
    removedMessages: new Map(),
    hidden: new Set(),
    moderation: [],
    ignored: {}
  }
}

/** The rank of a user in `state` (0 for non-members). */
export function rankOf (state: RoleState, userId: string): number {
  const m = state.members.get(userId)
  return m === undefined ? 0 : ROLE_RANK[m.role]
}

/** Rank needed to grant keys to newcomers under an invite policy (open rooms: any member). */
export function inviteRank (state: RoleState): number {
  return state.roles ? ROLE_RANK[state.settings.invite as InvitePolicy] : ROLE_RANK.member
}

/** Rank needed to start an epoch (open rooms: any member). */
export function rekeyRank (state: RoleState): number {
  return state.roles ? ROLE_RANK.moderator : ROLE_RANK.member
}

/** Folds `opened` (log order) into the room's membership state. */
export function foldRoles (opened: readonly OpenedMessage[], input: FoldInput = {}): RoleState {
  const s = emptyRoleState()
  /** Every id seen, with its author when it counts as a target of `remove` (undefined: from a removed author). */
  const authorOf = new Map<string, string | undefined>()
  const profileBox = new Map<string, Uint8Array>()
  const epochsStarted = new Map<number, string>()
  const ignore = (reason: IgnoredReason): void => { s.ignored[reason] = (s.ignored[reason] ?? 0) + 1 }

  let genesisId = input.pinnedGenesis
  if (genesisId === undefined || !opened.some(m => m.idText === genesisId && m.body.k === 'genesis')) {
    genesisId = opened.find(m => m.body.k === 'genesis')?.idText
  }

  const setMember = (userId: string, role: Role, implicit: boolean): void => {
    const prev = s.members.get(userId)
    s.members.set(userId, { userId, role, implicit, boxKeys: prev?.boxKeys ?? [] })
    s.removed.delete(userId)
  }
  const log = (m: OpenedMessage, entry: Omit<ModerationEntry, 'id' | 'by' | 'time'>): void => {
    s.moderation.push({ id: m.idText, by: m.authorId, time: m.time, ...entry })
  }

  for (let index = 0; index < opened.length; index++) {
    const m = opened[index] as OpenedMessage
    if (authorOf.has(m.idText)) continue
    const author = m.authorId
    const b = m.body
    const isOp = OP_KINDS.has(b.k)

    if (s.banned.has(author) || s.removed.has(author)) {
      authorOf.set(m.idText, undefined)
      // A removed author: nothing after the removal counts or shows (whatever epoch it was sealed with).
      if (isOp) ignore('not-member')
      else { s.hidden.add(m.idText); ignore('removed-author') }
      continue
    }
    if (!s.members.has(author) && b.k !== 'genesis') setMember(author, 'member', true)
    authorOf.set(m.idText, author)
    const signer = rankOf(s, author)

    switch (b.k) {
      case 'profile':
        if (b.box !== undefined) profileBox.set(author, b.box)
        break
      case 'room':
        // The old room-name message: in a room with roles it is a setting, so only admins may change it.
        if (s.roles && signer < ROLE_RANK.admin) { s.hidden.add(m.idText); ignore('not-allowed') }
        break
      case 'genesis':
        if (m.idText !== genesisId || s.roles) { ignore('genesis-repeat'); if (!s.members.has(author)) setMember(author, 'member', true); break }
        s.roles = true
        s.genesisId = m.idText
        s.owner = author
        setMember(author, 'owner', false)
        log(m, { action: 'genesis', user: author, role: 'owner' })
        break
      case 'role': {
        if (!s.roles) { ignore('no-roles'); break }
        const target = userIdFromPublicKey(b.user)
        const next = ROLE_RANK[b.role]
        if (target === author) {
          if (next > signer) { ignore('self-promotion'); break }
          // Stepping down is allowed, but the owner only leaves by handing the room to someone else.
          if (signer === ROLE_RANK.owner) { ignore('not-allowed'); break }
          setMember(author, b.role, false)
          log(m, { action: 'role', user: target, role: b.role })
          break
        }
        if (signer < ROLE_RANK.admin) { ignore('not-allowed'); break }
        if (s.banned.has(target)) { ignore('banned'); break }
        if (b.role === 'owner') {
          if (signer !== ROLE_RANK.owner) { ignore('not-allowed'); break }
          setMember(target, 'owner', false)
          setMember(author, 'admin', false)
          s.owner = target
          log(m, { action: 'role', user: target, role: 'owner' })
          break
        }
        if (rankOf(s, target) >= signer) { ignore('target-rank'); break }
        if (next >= signer) { ignore('not-allowed'); break }
        setMember(target, b.role, false)
        log(m, { action: 'role', user: target, role: b.role })
        break
      }
      case 'kick': {
        if (!s.roles) { ignore('no-roles'); break }
        const target = userIdFromPublicKey(b.user)
        if (signer < ROLE_RANK.moderator || target === author) { ignore('not-allowed'); break }
        if (!s.members.has(target)) { ignore('not-member'); break }
        if (rankOf(s, target) >= signer) { ignore('target-rank'); break }
        s.members.delete(target)
        s.removed.add(target)
        log(m, { action: 'kick', user: target })
        break
      }
      case 'ban': {
        if (!s.roles) { ignore('no-roles'); break }
        const target = userIdFromPublicKey(b.user)
        if (signer < ROLE_RANK.moderator || target === author) { ignore('not-allowed'); break }
        if (b.on) {
          if (rankOf(s, target) >= signer) { ignore('target-rank'); break }
          s.members.delete(target)
          s.removed.delete(target)
          s.banned.add(target)
          log(m, { action: 'ban', user: target })
        } else {
          if (!s.banned.has(target)) { ignore('not-member'); break }
          s.banned.delete(target)
          // Unbanned is not re-admitted: an admin adds them back with a role op.
          s.removed.add(target)
          log(m, { action: 'unban', user: target })
        }
        break
      }
      case 'remove': {
        if (!s.roles) { ignore('no-roles'); break }
        if (signer < ROLE_RANK.moderator) { ignore('not-allowed'); break }
        const target = toHex(b.target)
        const targetAuthor = authorOf.get(target)
        if (targetAuthor === undefined) { ignore('unknown-target'); break }
        if (targetAuthor !== author && rankOf(s, targetAuthor) >= signer) { ignore('target-rank'); break }
        if (b.on) s.removedMessages.set(target, author)
        else s.removedMessages.delete(target)
        log(m, { action: b.on ? 'remove' : 'restore', message: target, user: targetAuthor })
        break
      }
      case 'settings': {
        if (!s.roles) { ignore('no-roles'); break }
        if (signer < ROLE_RANK.admin) { ignore('not-allowed'); break }
        const patch: Partial<RoomSettings> = {}
        if (b.name !== undefined) patch.name = b.name
        if (b.topic !== undefined) patch.topic = b.topic
        if (b.avatar !== undefined) patch.avatar = b.avatar
        if (b.invite !== undefined) patch.invite = b.invite
        if (b.history !== undefined) patch.history = b.history
        Object.assign(s.settings, patch)
        log(m, { action: 'settings', settings: patch })
        break
      }
      case 'keys': {
        if (b.rekey) {
          if (signer < rekeyRank(s)) { ignore('not-allowed'); break }
          if (b.epoch <= s.epoch) { ignore('bad-epoch'); break }
          s.epoch = b.epoch
          epochsStarted.set(b.epoch, author)
          log(m, { action: 'rekey', epoch: b.epoch })
        } else {
          const starter = epochsStarted.get(b.epoch)
          if (starter === undefined) { ignore('bad-epoch'); break }
          if (signer < inviteRank(s) && starter !== author) { ignore('not-allowed'); break }
        }
        for (const r of b.revoked ?? []) s.revokedBoxKeys.add(toHex(r))
        s.keyOps.push({ epoch: b.epoch, rekey: b.rekey, by: author, epk: b.epk, grants: b.grants, index })
        break
      }
      default:
        break
    }
  }

  for (const [userId, member] of s.members) member.boxKeys = boxKeysOf(userId, profileBox, input)
  profileBoxes.set(s, profileBox)
  return s
}

/** The profile box keys a fold found, by the state it returned (to fold the box keys again, see {@link reboxRoles}). */
const profileBoxes = new WeakMap<RoleState, Map<string, Uint8Array>>()

/**
 * Folds the members' box keys of `state` again with `input` (its extra box keys, e.g. a user's linked devices, may
 * have changed since), in place: what `foldRoles` would give for the same list with this input, when the input picks
 * the same genesis. False (nothing done) when `state` did not come from foldRoles.
 */
export function reboxRoles (state: RoleState, input: FoldInput): boolean {
  const profileBox = profileBoxes.get(state)
  if (profileBox === undefined) return false
  for (const [userId, member] of state.members) member.boxKeys = boxKeysOf(userId, profileBox, input)
  return true
}

function boxKeysOf (userId: string, profileBox: Map<string, Uint8Array>, input: FoldInput): Uint8Array[] {
  const out: Uint8Array[] = []
  const seen = new Set<string>()
  const own = profileBox.get(userId)
  for (const k of [...(own !== undefined ? [own] : []), ...(input.extraBoxKeys?.(userId) ?? [])]) {
    const hex = toHex(k)
    if (seen.has(hex)) continue
    seen.add(hex)
    out.push(k)
  }
  return out
}

/** Members as a sorted list: strongest role first, then by user id. */
export function memberList (state: RoleState): MemberState[] {
  return [...state.members.values()].sort((a, b) => ROLE_RANK[b.role] - ROLE_RANK[a.role] || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
}
