/**
 * The web app's view of roles and moderation (src/roles): members with roles, what we may do, room settings, the
 * moderation log, and the actions. Errors carry messages for people (NotAllowedError says why).
 */
import { permissionsOf } from '../../../src/roles/permissions.ts'
import type { Chat } from '../../../src/chat/types.ts'
import type { Permissions } from '../../../src/roles/permissions.ts'
import type { ModerationEntry, Role, RoomSettings } from '../../../src/roles/types.ts'

export type { ModerationEntry, Permissions, Role, RoomSettings }

/** One member with their role. */
export interface RoleMember {
  userId: string
  name: string
  role: Role
  avatar?: string
}

export interface RolesBackend {
  /** Members (strongest role first) with names from their profiles. */
  members: (roomId: string) => RoleMember[]
  /** What we may do in the room. */
  permissions: (roomId: string) => Permissions
  settings: (roomId: string) => RoomSettings & { roles: boolean, epoch: number }
  moderationLog: (roomId: string) => ModerationEntry[]
  setRole: (roomId: string, userId: string, role: Role) => Promise<void>
  kick: (roomId: string, userId: string) => Promise<void>
  ban: (roomId: string, userId: string) => Promise<void>
  unban: (roomId: string, userId: string) => Promise<void>
  /** Moderators: remove a message from view for everyone. */
  removeMessage: (roomId: string, messageId: string) => Promise<void>
  updateSettings: (roomId: string, patch: Partial<RoomSettings>) => Promise<void>
}

export class RolesAdapter implements RolesBackend {
  readonly #chat: Chat
  readonly #changed: (room?: string) => void

  constructor (chat: Chat, changed: (room?: string) => void) {
    this.#chat = chat
    this.#changed = changed
  }

  members (roomId: string): RoleMember[] {
    const profiles = new Map(this.#chat.members(roomId).map(m => [m.userId, m]))
    return this.#chat.roles(roomId).map((r) => {
      const p = profiles.get(r.userId)
      const m: RoleMember = { userId: r.userId, name: p?.name ?? r.userId.slice(0, 10), role: r.role }
      if (p?.authorAvatar !== undefined) m.avatar = p.authorAvatar
      return m
    })
  }

  permissions (roomId: string): Permissions {
    const settings = this.#chat.roomSettings(roomId)
    return permissionsOf(this.#chat.user.userId, this.#chat.roles(roomId), settings.roles, settings.invite)
  }

  settings (roomId: string): RoomSettings & { roles: boolean, epoch: number } { return this.#chat.roomSettings(roomId) }
  moderationLog (roomId: string): ModerationEntry[] { return this.#chat.moderationLog(roomId) }

  async setRole (roomId: string, userId: string, role: Role): Promise<void> { await this.#chat.setRole(roomId, userId, role); this.#changed(roomId) }
  async kick (roomId: string, userId: string): Promise<void> { await this.#chat.kick(roomId, userId); this.#changed(roomId) }
  async ban (roomId: string, userId: string): Promise<void> { await this.#chat.ban(roomId, userId); this.#changed(roomId) }
  async unban (roomId: string, userId: string): Promise<void> { await this.#chat.unban(roomId, userId); this.#changed(roomId) }
  async removeMessage (roomId: string, messageId: string): Promise<void> { await this.#chat.removeMessage(roomId, messageId); this.#changed(roomId) }
  async updateSettings (roomId: string, patch: Partial<RoomSettings>): Promise<void> { await this.#chat.updateRoomSettings(roomId, patch); this.#changed(roomId) }
}
