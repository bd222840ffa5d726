/**
 * One room's membership as the chat peer uses it: the folded state, the epoch keyring rebuilt from the log, the
 * pinned genesis, the epoch to seal in, and the op bodies for rekeys and grants to members who lack a key.
 * The chat (src/chat/chat.ts) calls `refresh` with the opened messages in log order whenever ops or profiles arrive.
 */
import { MAX_REVOKED_BOX_KEYS } from '../constants.ts'
import { toHex } from '../crypto/encoding.ts'
import type { Body, OpenedMessage } from '../envelope/types.ts'
import type { StorageBackend } from '../history/types.ts'
import { boxEpochKey, EpochKeyring, grantedKeys, newEpochKey } from './epoch-keys.ts'
import type { BoxKeyPair } from './epoch-keys.ts'
import { emptyRoleState, foldRoles, inviteRank, rankOf, reboxRoles, REFRESH_KINDS, rekeyRank } from './fold.ts'
import type { FoldInput, RoleState } from './types.ts'

/** Meta key of the genesis id a device pinned for a room (trust on first use). */
export function genesisMetaKey (roomIdText: string): string {
  return `roles-genesis-${roomIdText}`
}

const utf8 = new TextEncoder()
const utf8d = new TextDecoder()

export class RoomRoles {
  readonly #roomIdText: string
  readonly #storage: StorageBackend
  readonly #mine: () => readonly BoxKeyPair[]
  readonly #extraBoxKeys: FoldInput['extraBoxKeys']
  readonly keyring: EpochKeyring
  #state: RoleState = emptyRoleState()
  #pinned: string | undefined
  /** The list the state was folded from (never changed by its owner) and the pinned genesis then, if it was. */
  #from: { opened: readonly OpenedMessage[], pinned: string | undefined } | undefined

  private constructor (roomIdText: string, storage: StorageBackend, epoch0Key: Uint8Array, mine: () => readonly BoxKeyPair[], extraBoxKeys: FoldInput['extraBoxKeys']) {
    this.#roomIdText = roomIdText
    this.#storage = storage
    this.#mine = mine
    this.#extraBoxKeys = extraBoxKeys
    this.keyring = new EpochKeyring(epoch0Key)
  }

  /** Loads the pinned genesis of the room (if any). */
  static async open (init: { roomIdText: string, storage: StorageBackend, epoch0Key: Uint8Array, mine: () => readonly BoxKeyPair[], extraBoxKeys?: FoldInput['extraBoxKeys'] }): Promise<RoomRoles> {
    const r = new RoomRoles(init.roomIdText, init.storage, init.epoch0Key, init.mine, init.extraBoxKeys)
    const pinned = await init.storage.getMeta(genesisMetaKey(init.roomIdText)).catch(() => undefined)
    if (pinned != null && pinned.length === 32) r.#pinned = utf8d.decode(pinned)
    return r
  }

  get state (): RoleState { return this.#state }

  /** Key lookup for openFrame / reopenFrame. */
  readonly keyForEpoch = (epoch: number): Uint8Array | undefined => this.keyring.keyFor(epoch)

  /**
   * Folds the opened messages (log order) again, pins the genesis the first time one is accepted, and unboxes the
   * grants addressed to us. Returns the epochs whose keys we just learned (frames of those epochs can now open).
   */
  async refresh (opened: readonly OpenedMessage[]): Promise<number[]> {
    const input: FoldInput = {}
    if (this.#pinned !== undefined) input.pinnedGenesis = this.#pinned
    if (this.#extraBoxKeys !== undefined) input.extraBoxKeys = this.#extraBoxKeys
    this.#state = foldRoles(opened, input)
    this.#from = { opened, pinned: input.pinnedGenesis }
    if (this.#pinned === undefined && this.#state.genesisId !== undefined) {
      this.#pinned = this.#state.genesisId
      await this.#storage.setMeta(genesisMetaKey(this.#roomIdText), utf8.encode(this.#pinned)).catch(() => {})
    }
    return this.keyring.learn(this.#state, this.#mine())
  }

  /** Sets the state from a fold made elsewhere (the chat folds roles with the read model). */
  adopt (state: RoleState): void {
    this.#state = state
    this.#from = undefined
  }

  /**
   * Folds `opened` (log order) with {@link RoomRoles.foldInput} and adopts the result. When the state was folded from
   * this very list (same array: its owner keeps it unchanged until a message opens or the log changes) and the same
   * genesis, only the members' box keys are folded again (extra box keys may have changed): the rest would come out
   * the same. A cold open folds roles once for the roles refresh and once with the read model: this is the second.
   */
  foldFrom (opened: readonly OpenedMessage[]): RoleState {
    const input = this.foldInput()
    const from = this.#from
    // Unpinned, the fold picks the first genesis of the list, which refresh then pins: the same genesis.
    const sameGenesis = from !== undefined && (from.pinned === input.pinnedGenesis || (from.pinned === undefined && input.pinnedGenesis === this.#state.genesisId))
    if (from !== undefined && from.opened === opened && sameGenesis && reboxRoles(this.#state, input)) return this.#state
    this.#state = foldRoles(opened, input)
    this.#from = { opened, pinned: input.pinnedGenesis }
    return this.#state
  }

  /** The fold input (pinned genesis, extra box keys) for a fold made elsewhere. */
  foldInput (): FoldInput {
    const input: FoldInput = {}
    if (this.#pinned !== undefined) input.pinnedGenesis = this.#pinned
    if (this.#extraBoxKeys !== undefined) input.extraBoxKeys = this.#extraBoxKeys
    return input
  }

  /**
   * The epoch a message of kind `kind` is sealed in, and its key: membership ops and profiles in epoch 0, so every
   * member folds the same membership whatever epochs they hold (a newcomer under history `joined` lacks the older
   * ones, and must still see who was removed and the settings); everything else in the highest epoch we hold.
   */
  sendEpoch (kind?: string): { epoch: number, epochKey: Uint8Array } {
    const epoch = kind !== undefined && REFRESH_KINDS.has(kind) ? 0 : this.keyring.current
    return { epoch, epochKey: this.keyring.keyFor(epoch) as Uint8Array }
  }

  /** True when the message must not be shown: its author was removed or banned before it (rooms with roles). */
  hides (m: OpenedMessage): boolean {
    return this.#state.hidden.has(m.idText) || this.#state.banned.has(m.authorId) || this.#state.removed.has(m.authorId)
  }

  /** Our rank in the room (0 when not a member). */
  rankOf (userId: string): number { return rankOf(this.#state, userId) }

  /** True when `userId` may start a new epoch. */
  canRekey (userId: string): boolean { return this.#state.members.has(userId) && rankOf(this.#state, userId) >= rekeyRank(this.#state) }

  /** True when `userId` may grant keys to newcomers. */
  canGrant (userId: string): boolean { return this.#state.members.has(userId) && rankOf(this.#state, userId) >= inviteRank(this.#state) }

  /** Box keys of the current members, minus revoked and `exclude` (hex). */
  recipients (exclude: ReadonlySet<string> = new Set()): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const m of this.#state.members.values()) {
      for (const k of m.boxKeys) {
        const hex = toHex(k)
        if (!exclude.has(hex) && !this.#state.revokedBoxKeys.has(hex)) out.push(k)
      }
    }
    return out
  }

  /**
   * The `keys` op bodies of a new epoch (current + 1) for every member's box key except `excludeBoxKeys` (listed as
   * revoked), and the new key. The caller sends the bodies (sealed in the CURRENT epoch, so remaining members can
   * read them) and only then adds the key to the keyring (`keyring.add`), so what it sends next uses the new epoch.
   */
  rekeyBodies (excludeBoxKeys: readonly Uint8Array[] = []): { epoch: number, key: Uint8Array, bodies: Body[] } {
    const epoch = Math.max(this.#state.epoch, this.keyring.current) + 1
    const exclude = new Set(excludeBoxKeys.map(k => toHex(k)))
    const key = newEpochKey()
    const ops = boxEpochKey(key, this.recipients(exclude))
    const revoked = excludeBoxKeys.slice(0, MAX_REVOKED_BOX_KEYS).map(k => Uint8Array.from(k))
    const bodies: Body[] = ops.map((op, i) => {
      const body: Body = { k: 'keys', epoch, rekey: i === 0, epk: op.epk, grants: op.grants }
      if (i === 0 && revoked.length > 0) body.revoked = revoked
      return body
    })
    return { epoch, key, bodies }
  }

  /**
   * Grants to members' box keys that lack the current epoch key (and, when history is `all`, the older epochs' keys
   * we hold): what an allowed member sends when newcomers appear. Empty when nothing is missing or we may not grant.
   */
  /** Box keys of members that hold no grant of the current epoch (newcomers), minus those already `pending`. */
  missingCurrent (pending: ReadonlySet<string> = new Set()): Uint8Array[] {
    const have = grantedKeys(this.#state, this.#state.epoch)
    return this.recipients().filter(k => !have.has(toHex(k)) && !pending.has(`${this.#state.epoch}/${toHex(k)}`))
  }

  grantBodies (me: string, pending: Set<string>): Body[] {
    const state = this.#state
    if (state.epoch === 0 || !this.canGrant(me)) return []
    const epochs = state.settings.history === 'all' ? this.keyring.epochs().filter(e => e > 0 && e <= state.epoch) : [state.epoch]
    const bodies: Body[] = []
    for (const epoch of epochs) {
      const key = this.keyring.keyFor(epoch)
      if (key === undefined) continue
      const have = grantedKeys(state, epoch)
      const missing = this.recipients().filter(k => !have.has(toHex(k)) && !pending.has(`${epoch}/${toHex(k)}`))
      if (missing.length === 0) continue
      for (const k of missing) pending.add(`${epoch}/${toHex(k)}`)
      for (const op of boxEpochKey(key, missing)) bodies.push({ k: 'keys', epoch, rekey: false, epk: op.epk, grants: op.grants })
    }
    return bodies
  }
}
