/**
 * What the chat API does for roles and moderation (setRole, kick, ban, unban, removeMessage, updateRoomSettings,
 * rotateEpoch, automatic key grants). Each op is first tried on a copy of the fold (the same pure rules every peer
 * runs): an op the room would ignore is refused here with NotAllowedError instead of being published and ignored.
 */
import { EPOCH_GRANT_DELAY_MS } from '../constants.ts'
import { fromHex, toHex } from '../crypto/encoding.ts'
import { InvalidArgumentError, NotAllowedError, NotFoundError } from '../errors.ts'
import { publicKeyFromUserId } from '../identity/user-id.ts'
import type { Body, OpenedMessage } from '../envelope/types.ts'
import { foldRoles } from './fold.ts'
import type { RoomRoles } from './room-roles.ts'
import type { IgnoredReason, Role, RoleState, RoomSettings, RotateEpochOptions } from './types.ts'

/** What the actions need from the chat peer for one room. */
export interface RolesHost {
  /** Our user id and public key. */
  me: string
  myKey: Uint8Array
  roles: RoomRoles
  /** Opened messages in log order (what the fold runs on). */
  opened: () => OpenedMessage[]
  /** Seals, stores and publishes one body; resolves once it is opened and folded (roles refreshed). */
  send: (body: Body) => Promise<{ id: string }>
}

const REASONS: Record<IgnoredReason, string> = {
  'no-roles': 'this room has no roles (it was created before roles, or without them)',
  'genesis-repeat': 'the room already has an owner',
  'not-allowed': 'your role does not allow this',
  'self-promotion': 'nobody can raise their own role',
  'target-rank': 'their role is not below yours',
  'not-member': 'they are not a member of this room',
  banned: 'they are banned (unban them first)',
  'bad-epoch': 'that key epoch is not valid now',
  'unknown-target': 'no such message in this room',
  'removed-author': 'you are no longer a member of this room'
}

function userKey (userId: string): Uint8Array {
  try {
    return publicKeyFromUserId(userId)
  } catch (err) {
    throw new InvalidArgumentError(`not a user id: ${userId.slice(0, 64)}`, { cause: err })
  }
}

/** Folds the room with `body` appended as if we sent it now; returns the state and the reason it was ignored, if so. */
export function tryOp (host: RolesHost, body: Body): { state: RoleState, ignored?: IgnoredReason } {
  const trial: OpenedMessage = {
    id: new Uint8Array(16), idText: 'trial-op', kind: 1, epoch: 0, author: host.myKey, authorId: host.me, device: 0, seq: 1, time: Date.now(), body
  }
  const opened = host.opened()
  const base = foldRoles(opened, host.roles.foldInput())
  const state = foldRoles([...opened, trial], host.roles.foldInput())
  for (const [reason, n] of Object.entries(state.ignored) as Array<[IgnoredReason, number]>) {
    if (n > (base.ignored[reason] ?? 0)) return { state, ignored: reason }
  }
  return { state }
}

async function apply (host: RolesHost, body: Body): Promise<string> {
  const { ignored } = tryOp(host, body)
  if (ignored !== undefined) throw new NotAllowedError(REASONS[ignored])
  return (await host.send(body)).id
}

/** Sets a member's role (admin or owner; `owner` hands the room over and makes us admin). */
export async function setRole (host: RolesHost, userId: string, role: Role): Promise<void> {
  if (!['owner', 'admin', 'moderator', 'member'].includes(role)) throw new InvalidArgumentError('role must be owner, admin, moderator or member')
  await apply(host, { k: 'role', user: userKey(userId), role })
}

/** Removes a member and starts a new key epoch without them. Returns the new epoch. */
export async function kick (host: RolesHost, userId: string): Promise<number> {
  await apply(host, { k: 'kick', user: userKey(userId) })
  return await rotateEpoch(host, {})
}

/** Bans a user (removed, and kept out until unbanned) and starts a new key epoch without them. */
export async function ban (host: RolesHost, userId: string): Promise<number> {
  await apply(host, { k: 'ban', user: userKey(userId), on: true })
  return await rotateEpoch(host, {})
}

/** Lifts a ban (the user is not re-added: setRole(member) does that). */
export async function unban (host: RolesHost, userId: string): Promise<void> {
  await apply(host, { k: 'ban', user: userKey(userId), on: false })
}

/** Removes a message from view for everyone who accepts our role (on = false restores it). */
export async function removeMessage (host: RolesHost, messageId: string, on = true): Promise<void> {
  if (!/^[0-9a-f]{32}$/i.test(messageId)) throw new InvalidArgumentError('a message id is 32 hex characters')
  if (host.opened().every(m => m.idText !== messageId.toLowerCase())) throw new NotFoundError(`no message ${messageId} in this room`)
  await apply(host, { k: 'remove', target: fromHex(messageId.toLowerCase()), on })
}

/** Changes room settings (admins and the owner). */
export async function updateRoomSettings (host: RolesHost, patch: Partial<RoomSettings>): Promise<void> {
  const body: Body = { k: 'settings' }
  if (patch.name !== undefined) body.name = patch.name
  if (patch.topic !== undefined) body.topic = patch.topic
  if (patch.avatar !== undefined) body.avatar = patch.avatar
  if (patch.invite !== undefined) body.invite = patch.invite
  if (patch.history !== undefined) body.history = patch.history
  await apply(host, body)
}

/**
 * Starts a new key epoch: a random key boxed to every current member's box keys except `excludeBoxKeys`, published
 * as `keys` ops sealed in the current epoch; then our messages use the new epoch. Returns the new epoch.
 * NotAllowedError when our role may not rekey (rooms with roles: moderator or above; open rooms: any member).
 */
export async function rotateEpoch (host: RolesHost, options: RotateEpochOptions = {}): Promise<number> {
  const roles = host.roles
  if (!roles.canRekey(host.me)) throw new NotAllowedError(REASONS['not-allowed'])
  const { epoch, key, bodies } = roles.rekeyBodies(options.excludeBoxKeys ?? [])
  const [first, ...rest] = bodies
  if (first === undefined) throw new NotAllowedError('nothing to rekey')
  const { ignored } = tryOp(host, first)
  if (ignored !== undefined) throw new NotAllowedError(REASONS[ignored])
  for (const body of [first, ...rest]) await host.send(body)
  // Only if our rekey is the accepted one for this epoch (another one may have come first in log order).
  const accepted = roles.state.keyOps.find(op => op.epoch === epoch && op.rekey)
  if (accepted?.by === host.me && !roles.keyring.has(epoch)) roles.keyring.add(epoch, key)
  return epoch
}

/**
 * Lets members who lack keys in: after a short random delay (so several online members rarely all act at once),
 * either grants them the current (and, with history `all`, older) epoch keys, or, with history `joined` in a room
 * with roles, starts a new epoch that includes them (moderators and above), so they read nothing from before they
 * came. `pending` remembers what we already granted.
 */
export function scheduleGrants (host: RolesHost, pending: Set<string>, isClosed: () => boolean): void {
  const roles = host.roles
  if (roles.state.epoch === 0 || (!roles.canGrant(host.me) && !roles.canRekey(host.me))) return
  const timer = setTimeout(() => {
    if (isClosed()) return
    // Decided when the timer fires: the settings may have changed since it was set.
    if (roles.state.roles && roles.state.settings.history === 'joined') {
      const missing = roles.missingCurrent(pending)
      if (missing.length === 0 || !roles.canRekey(host.me)) return
      for (const k of missing) pending.add(`${roles.state.epoch}/${toHex(k)}`)
      void rotateEpoch(host, {}).catch(() => {})
      return
    }
    for (const body of roles.grantBodies(host.me, pending)) void host.send(body).catch(() => {})
  }, Math.floor(Math.random() * EPOCH_GRANT_DELAY_MS))
  ;(timer as { unref?: () => void }).unref?.()
}
