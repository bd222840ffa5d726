/**
 * Group roles, signed membership operations, moderation and key epochs (issue 7, "Groups and roles").
 * Producers: src/roles (fold, key boxing). Consumers: src/chat (API, sending in the current epoch, opening frames of
 * every epoch whose key we hold), the CLI, the web app, and device linking (src/devices: revoking a device =
 * {@link RotateEpochOptions.excludeBoxKeys}).
 *
 * ## Design
 * **Operations are ordinary messages.** Every membership operation is a stored message body (`genesis`, `role`,
 * `kick`, `ban`, `remove`, `settings`, `keys`; see src/envelope/types.ts) signed by its author like any message
 * and kept in the room's log. There is no separate authority: every peer folds the opened messages IN LOG ORDER
 * (the converged Yjs order, the same on every peer) and checks each operation against the role its signer has AT
 * THAT POINT of the log ({@link foldRoles} in src/roles/fold.ts). An operation that breaks a rule is ignored and
 * counted by reason ({@link RoleState.ignored}, and in `chat.dropped()` as `role-<reason>`); it stays in the
 * append-only log, where it has no effect for any honest peer.
 *
 * **Open rooms vs rooms with roles.** A room whose log holds no `genesis` is an open room (every room created
 * before this feature): everyone who posts is a member, any member may rotate the key. The first `genesis` in log
 * order turns the room into a room with roles, its author the owner. `createRoom` posts it as the first message.
 * Peers pin the genesis they first accepted (trust on first use), so a member who later crafts a Yjs insert in
 * front of it cannot take the room over on peers that already saw the room (THREAT_MODEL.md).
 *
 * **Membership is implicit, removal explicit.** Whoever holds the invite link (the room secret) and posts becomes a
 * `member` by default ("implicit member"); the room key of epoch 0 comes with the link. A `kick` removes a member
 * (they may be re-added by a `role` op of an admin), a `ban` removes and keeps them out until `ban on:false`.
 * Messages of a removed or banned author that come after the removal in log order are not shown (read model),
 * whatever epoch they were sealed with (the room write key is not rotated: relays keep forwarding; authorization
 * is the author signature checked against the fold, not the ability to write).
 *
 * **Key epochs.** Epoch 0's key derives from the room secret. Removing (kick/ban) starts a new epoch: the remover
 * (moderator or above; in an open room any member) draws a random 32-byte secretbox key and publishes a `keys` op
 * with `rekey: true` and the next epoch number that boxes the new key to every box
 * key of every remaining member (one X25519 ephemeral key `epk` per op, nacl.box per recipient with a random
 * nonce: `{ to, nonce, box }`). The box keys of a member are the `box` of their latest `profile` message (signed
 * by the author like every message: the identity's own X25519 key) plus any further keys the chat is told about
 * for that user (`FoldInput.extraBoxKeys`: device linking adds the box keys of a user's linked devices, from their
 * device bindings). Membership ops and profiles are sealed in epoch 0 (every member, whatever epochs it holds, folds
 * the same membership). A `keys` op can also list `revoked` box keys: nobody grants
 * those any later key (a revoked device). Every peer seals its new messages (and ephemeral frames) in the highest
 * epoch it holds the key of, and opens frames of any epoch whose key it holds; frames of an epoch it has no key
 * for wait (not dropped) until a key arrives, so a removed member, still connected and syncing, stores frames it
 * can never open.
 *
 * **New members.** A newcomer (joined by link after epoch 0) has only epoch 0's key. Any member whose role is at
 * least the `invite` setting and who holds the current key grants it automatically (`keys` with `rekey: false`)
 * to every box key of a member that has none; when the `history` setting is `all`, also the keys of the older
 * epochs (so the newcomer reads what came before); with `joined` only the current epoch (older frames stay
 * unreadable for them). Correction, as built: with `joined`, a moderator or above starts a NEW epoch that includes the
 * newcomer instead (so the newcomer reads nothing of the epoch current before they came); epoch 0 is always readable
 * with the link. Duplicate grants from several members are harmless.
 *
 * Rules, in full: PROTOCOL.md "Roles and key epochs".
 */
import type { MessageRef } from '../envelope/types.ts'

/** Roles, strongest first. `none` = not a member (kicked, banned, or never seen). */
export type Role = 'owner' | 'admin' | 'moderator' | 'member'

/** Numeric rank of a role for comparisons (none = 0). */
export const ROLE_RANK: Readonly<Record<Role | 'none', number>> = { owner: 4, admin: 3, moderator: 2, member: 1, none: 0 }

/** Who may grant keys to newcomers (and is shown the invite link): members with at least this role. */
export type InvitePolicy = 'member' | 'moderator' | 'admin'

/** Whether newcomers get the keys of epochs before they joined (`all`) or only the current one (`joined`). */
export type HistoryVisibility = 'all' | 'joined'

/** Room settings (the latest `settings` op of an admin or owner wins field by field). */
export interface RoomSettings {
  name?: string
  topic?: string
  /** A small data URL (same limits as a profile avatar). */
  avatar?: string
  /** Default `member`. */
  invite: InvitePolicy
  /** Default `all`. */
  history: HistoryVisibility
}

/** One member as the fold sees it. */
export interface MemberState {
  userId: string
  role: Role
  /** True when the role comes from posting in the room, not from an explicit op (or genesis). */
  implicit: boolean
  /** X25519 box keys: the `box` of the member's latest profile message, then any extra (linked devices). */
  boxKeys: Uint8Array[]
}

/** One recipient's copy of an epoch key. */
export interface KeyGrant {
  /** Recipient's X25519 box public key (32 bytes). */
  to: Uint8Array
  /** 24-byte nacl.box nonce. */
  nonce: Uint8Array
  /** nacl.box(epoch key, nonce, to, ephemeral secret) = 48 bytes. */
  box: Uint8Array
}

/** A `keys` op that passed the rules (log order). */
export interface EpochGrants {
  epoch: number
  rekey: boolean
  /** Signer's user id. */
  by: string
  /** Ephemeral X25519 public key of the op. */
  epk: Uint8Array
  grants: KeyGrant[]
  /** Log position (index in the opened list) of the op. */
  index: number
}

/** What kind of moderation entry. */
export type ModerationAction =
  | 'genesis' | 'role' | 'kick' | 'ban' | 'unban' | 'remove' | 'restore' | 'settings' | 'rekey'

/** One entry of the moderation log (only ops that took effect). */
export interface ModerationEntry {
  /** Id (hex) of the op message. */
  id: string
  action: ModerationAction
  /** Signer's user id. */
  by: string
  /** Target user id (role, kick, ban, unban). */
  user?: string
  /** New role (role ops, genesis). */
  role?: Role
  /** Target message id (remove, restore). */
  message?: string
  /** New epoch (rekey). */
  epoch?: number
  /** Changed settings fields (settings). */
  settings?: Partial<RoomSettings>
  /** Author's clock (ms). */
  time: number
}

/** Reasons an op is ignored (counted in {@link RoleState.ignored} and in `chat.dropped()` as `role-<reason>`). */
export type IgnoredReason =
  | 'no-roles' // a role op in an open room (no genesis)
  | 'genesis-repeat' // a second genesis
  | 'not-allowed' // the signer's role does not allow this op
  | 'self-promotion' // a signer raising their own role
  | 'target-rank' // the target's role is not below the signer's (e.g. an admin demoting the owner)
  | 'not-member' // kick of someone who is not a member; grant or op by a non-member
  | 'banned' // role op for a banned user (unban first)
  | 'bad-epoch' // rekey to an epoch not above the current one; grants for an epoch not started
  | 'unknown-target' // remove of a message not (yet) in the log
  | 'removed-author' // a message from a kicked or banned author after their removal (not shown)

/** The folded membership state of a room at the end of its log. */
export interface RoleState {
  /** False for open rooms (no genesis): everyone who posts is a member. */
  roles: boolean
  /** Id (hex) of the accepted genesis op. */
  genesisId?: string
  owner?: string
  members: Map<string, MemberState>
  banned: Set<string>
  /** Kicked (and not re-added) users. */
  removed: Set<string>
  settings: RoomSettings
  /** Current epoch (0 until the first rekey). */
  epoch: number
  /** Accepted `keys` ops in log order. */
  keyOps: EpochGrants[]
  /** Box keys (hex) nobody may grant a later key to. */
  revokedBoxKeys: Set<string>
  /** Message ids (hex) a moderator removed from view → id of the moderator. */
  removedMessages: Map<string, string>
  /** Message ids (hex) not shown because their author was removed or banned at that point. */
  hidden: Set<string>
  moderation: ModerationEntry[]
  ignored: Partial<Record<IgnoredReason, number>>
}

/** Options of `chat.rotateEpoch` (also used by device revocation). */
export interface RotateEpochOptions {
  /**
   * Box keys to leave out of the new epoch (and list as revoked so nobody grants them later keys), e.g. the box key
   * of a revoked device. Members whose every box key is excluded can no longer read the room.
   */
  excludeBoxKeys?: Uint8Array[]
}

/** One member as `chat.members(room)` / `chat.roles(room)` report it. */
export interface RoleInfo {
  userId: string
  role: Role
  implicit: boolean
}

export type { MessageRef }

/** What {@link RoleState} is folded from (src/roles/fold.ts `foldRoles`). */
export interface FoldInput {
  /**
   * Id (hex) of the genesis this device pinned when it first saw the room (trust on first use); when it is in the
   * log it is the genesis, whatever comes before it. Absent: the first genesis in log order.
   */
  pinnedGenesis?: string
  /** Further box keys of a user (e.g. linked devices' keys from their bindings), added to the profile's `box`. */
  extraBoxKeys?: (userId: string) => Uint8Array[]
}
