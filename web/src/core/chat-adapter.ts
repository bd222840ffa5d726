import type { Chat, ConnectionInfo as CoreConnection } from '../../../src/chat/types.ts'
import { ContactsAdapter } from './contacts.ts'
import { DevicesAdapter } from './devices.ts'
import { RolesAdapter } from './roles.ts'
import { DEFAULT_MAX_FILE_BYTES } from '../../../src/constants.ts'
import type { ChatBackend, ConnectionInfo, DeliveryState, FetchOptions, Gap, ImportedRoom, MessageView, OutgoingFile, PeerLink, Person, PresenceState, RoomInfo } from './backend.ts'

/** A typing signal not renewed within this many ms is dropped (a peer that vanished mid-sentence). */
const TYPING_TTL_MS = 8000
/**
 * Someone who sent a message or typed this recently is shown online even before their next presence beacon (the
 * core announces presence on join and then every PRESENCE_INTERVAL_MS, 20 s).
 */
const ACTIVITY_ONLINE_MS = 60_000

/**
 * The web app's view of a running core `Chat`: caches each room's read model until the core says it changed,
 * keeps typing state from events, maps connections to a path (LAN, direct, relay), and re-emits one `change`
 * event the UI listens to, plus `message` for new messages from others (live region, notifications).
 */
export class ChatAdapter extends EventTarget implements ChatBackend {
  readonly #chat: Chat
  readonly me: Person
  readonly contacts: ContactsAdapter
  readonly devices: DevicesAdapter
  readonly roles: RolesAdapter
  readonly #messages = new Map<string, MessageView[]>()
  readonly #typing = new Map<string, Map<string, number>>()
  readonly #names = new Map<string, string>()
  /** userId → avatar from the rooms' profile messages; rebuilt after the core reports a change. */
  #avatars: Map<string, string> | undefined
  /** room → user → last live activity (message or typing) we saw, ms. */
  readonly #activity = new Map<string, Map<string, number>>()
  #typingTimer: ReturnType<typeof setInterval> | undefined
  /** Why the network start behind createChat failed: the chat stays offline. */
  #networkError: string | undefined
  readonly #onOnline = (): void => { this.#changed() }

  constructor (chat: Chat, profile: { name: string, avatar?: string }) {
    super()
    this.#chat = chat
    this.me = { userId: chat.user.userId, name: profile.name, ...(profile.avatar !== undefined ? { avatar: profile.avatar } : {}) }
    this.#names.set(this.me.userId, profile.name)
    this.contacts = new ContactsAdapter(chat, (room) => { this.#avatars = undefined; this.#changed(room) })
    this.devices = new DevicesAdapter(chat, () => { this.#changed() })
    this.roles = new RolesAdapter(chat, (room) => { this.#messages.delete(room ?? ''); this.#changed(room) })
    chat.addEventListener('message', (e) => {
      const { room, messages } = e.detail
      this.#messages.delete(room)
      this.#avatars = undefined
      for (const m of messages) {
        if (m.authorName !== undefined) this.#names.set(m.authorId, m.authorName)
        // A message ends that author's typing.
        this.#typing.get(room)?.delete(m.authorId)
        if (m.authorId !== this.me.userId && Date.now() - m.time < ACTIVITY_ONLINE_MS) this.#active(room, m.authorId)
        if (m.authorId !== this.me.userId) this.dispatchEvent(new CustomEvent('message', { detail: { room, message: m } }))
      }
      this.#changed(room)
    })
    chat.addEventListener('change', (e) => { this.#messages.delete(e.detail.room); this.#avatars = undefined; this.#changed(e.detail.room) })
    chat.addEventListener('read', (e) => { this.#changed(e.detail.room) })
    chat.addEventListener('presence', (e) => {
      if (e.detail.name !== undefined) this.#names.set(e.detail.userId, e.detail.name)
      this.#changed(e.detail.room)
    })
    chat.addEventListener('typing', (e) => {
      const { room, userId, name, on } = e.detail
      if (name !== undefined) this.#names.set(userId, name)
      let users = this.#typing.get(room)
      if (users === undefined) { users = new Map(); this.#typing.set(room, users) }
      this.#active(room, userId)
      if (on) users.set(userId, Date.now() + TYPING_TTL_MS)
      else users.delete(userId)
      this.#changed(room)
    })
    chat.addEventListener('delivery', (e) => { this.#changed(e.detail.room) })
    chat.addEventListener('connection', () => { this.#changed() })
    chat.addEventListener('relay', () => { this.#changed() })
    // The network starts behind the rooms (ChatInit.networkInBackground); if that fails, the banner says offline.
    chat.addEventListener('network', (e) => {
      if (e.detail.error !== undefined) { this.#networkError = e.detail.error; console.error('network start failed:', e.detail.error) }
      this.#changed()
    })
    chat.addEventListener('path', () => { this.#changed() })
    window.addEventListener('online', this.#onOnline)
    window.addEventListener('offline', this.#onOnline)
    this.#typingTimer = setInterval(() => { this.#expireTyping() }, TYPING_TTL_MS / 4)
  }

  rooms (): RoomInfo[] {
    // A room with roles may have a name set by its admins (room settings); it wins over the local name.
    return this.#chat.rooms().map((r) => (r.direct !== undefined ? { id: r.id, name: r.name, direct: r.direct } : { id: r.id, name: this.#chat.roomSettings(r.id).name ?? r.name }))
  }

  async createRoom (name: string): Promise<RoomInfo> {
    performance.mark('cs:room-create')
    const r = await this.#chat.createRoom(name)
    performance.mark('cs:room-created')
    this.#changed(r.id)
    return { id: r.id, name: r.name }
  }

  async join (invite: string): Promise<RoomInfo> {
    const r = await this.#chat.joinRoom(invite)
    this.#changed(r.id)
    return { id: r.id, name: r.name }
  }

  async leave (roomId: string): Promise<void> {
    await this.#chat.leaveRoom(roomId)
    this.#messages.delete(roomId)
    this.#changed()
  }

  inviteLink (roomId: string): string {
    const invite = this.#chat.room(roomId).invite
    // The core's link may carry another origin (or none): the web app's invite opens this app.
    const hash = invite.indexOf('#')
    return location.origin + '/' + (hash >= 0 ? invite.slice(hash) : invite)
  }

  messages (roomId: string): readonly MessageView[] {
    let list = this.#messages.get(roomId)
    if (list === undefined) {
      list = this.#chat.messages(roomId)
      this.#messages.set(roomId, list)
      for (const m of list) if (m.authorName !== undefined) this.#names.set(m.authorId, m.authorName)
    }
    return list
  }

  loading (roomId: string): boolean {
    return this.#chat.roomLoading(roomId)
  }

  roomError (roomId: string): string | undefined {
    return this.#chat.roomError(roomId)
  }

  async send (roomId: string, text: string, replyTo?: string): Promise<void> {
    await this.#chat.send(roomId, text, replyTo !== undefined ? { replyTo } : undefined)
  }

  async edit (roomId: string, messageId: string, text: string): Promise<void> { await this.#chat.edit(roomId, messageId, text) }
  async remove (roomId: string, messageId: string): Promise<void> { await this.#chat.delete(roomId, messageId) }
  async react (roomId: string, messageId: string, emoji: string, on: boolean): Promise<void> { await this.#chat.react(roomId, messageId, emoji, on) }

  setTyping (roomId: string, on: boolean): void {
    this.#chat.setTyping(roomId, on).catch(() => { /* ephemeral: a lost typing signal is harmless */ })
  }

  markRead (roomId: string, messageId: string): void {
    this.#chat.markRead(roomId, messageId).catch(() => {})
  }

  typing (roomId: string): string[] {
    return [...(this.#typing.get(roomId)?.keys() ?? [])]
  }

  presence (roomId: string): Map<string, PresenceState> {
    const core = this.#chat.presence(roomId)
    const out = new Map<string, PresenceState>(core.map((p) => [p.userId, p.state]))
    const now = Date.now()
    for (const [userId, at] of this.#activity.get(roomId) ?? []) {
      if (now - at > ACTIVITY_ONLINE_MS) continue
      const known = core.find((p) => p.userId === userId)
      // A later "offline" or "away" from the core wins over older activity.
      if (known === undefined || (known.state !== 'online' && known.lastSeen < at)) out.set(userId, 'online')
    }
    return out
  }

  #active (room: string, userId: string): void {
    let users = this.#activity.get(room)
    if (users === undefined) { users = new Map(); this.#activity.set(room, users) }
    users.set(userId, Date.now())
  }

  readMarkers (roomId: string): Map<string, string> {
    return new Map(Object.entries(this.#chat.readMarkers(roomId)))
  }

  delivery (roomId: string, messageId: string): DeliveryState | undefined { return this.#chat.delivery(roomId, messageId) }
  gaps (roomId: string): Gap[] { return this.#chat.gaps(roomId) }

  connection (): ConnectionInfo {
    if (this.#networkError !== undefined) return { state: 'offline', error: this.#networkError }
    if (!navigator.onLine) return { state: 'offline' }
    const conns = this.#chat.connections()
    if (conns.length === 0) return { state: 'connecting' }
    return { state: 'online', path: pathOf(conns), peers: this.peerLinks() }
  }

  /** Member devices and the path to each (banner, media transfer hints). */
  peerLinks (): PeerLink[] {
    return this.#chat.peerPaths().map((p) => {
      const userId = p.userIds[0]
      const name = userId !== undefined ? this.person(userId)?.name : undefined
      const link: PeerLink = { peerId: p.peerId, path: p.path, connecting: p.upgrade === 'connecting', directFailed: p.upgrade === 'failed' && p.path !== 'direct' && p.path !== 'lan' }
      if (userId !== undefined) link.userId = userId
      if (name !== undefined) link.name = name
      if (p.transport !== undefined) link.transport = p.transport
      return link
    })
  }

  person (userId: string): Person | undefined {
    if (userId === this.me.userId) return this.me
    // Profiles first: they also fill in names of members who have not written or announced presence yet.
    const avatar = this.#avatarOf(userId)
    const name = this.#names.get(userId)
    if (name === undefined) return undefined
    return avatar === undefined ? { userId, name } : { userId, name, avatar }
  }

  #avatarOf (userId: string): string | undefined {
    if (this.#avatars === undefined) {
      this.#avatars = new Map()
      for (const r of this.#chat.rooms()) {
        for (const m of this.#chat.members(r.id)) {
          this.#names.set(m.userId, m.name)
          if (m.authorAvatar !== undefined) this.#avatars.set(m.userId, m.authorAvatar)
        }
      }
    }
    return this.#avatars.get(userId)
  }

  async exportRoom (roomId: string): Promise<Uint8Array> {
    return await this.#chat.exportRoom(roomId)
  }

  async importRoom (bytes: Uint8Array): Promise<ImportedRoom> {
    const { room, added, rejected } = await this.#chat.importRoom(bytes)
    this.#messages.delete(room.id)
    this.#avatars = undefined
    this.#changed(room.id)
    return { id: room.id, name: room.name, added, rejected }
  }

  readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES

  async sendFile (roomId: string, file: OutgoingFile): Promise<void> {
    await this.#chat.sendFile(roomId, file)
    this.#messages.delete(roomId)
    this.#changed(roomId)
  }

  async fetchFile (roomId: string, messageId: string, options: FetchOptions = {}): Promise<Uint8Array> {
    // The core asks for a direct WebRTC connection to a holder reached only through the relay before using it; the web
    // app allows the relay only when the user agreed (allowRelayed).
    return await this.#chat.fetchFile(roomId, messageId, { ...options, allowRelayed: options.allowRelayed ?? false })
  }

  async setProfile (name: string, avatar?: string): Promise<void> {
    this.me.name = name
    if (avatar !== undefined) this.me.avatar = avatar
    else delete this.me.avatar
    this.#names.set(this.me.userId, name)
    await this.#chat.setProfile({ name, avatar: avatar ?? null })
    this.#changed()
  }

  async close (): Promise<void> {
    clearInterval(this.#typingTimer)
    window.removeEventListener('online', this.#onOnline)
    window.removeEventListener('offline', this.#onOnline)
    await this.#chat.close()
  }

  #expireTyping (): void {
    const now = Date.now()
    for (const [room, users] of this.#typing) {
      let changed = false
      for (const [u, until] of users) if (until < now) { users.delete(u); changed = true }
      if (changed) this.#changed(room)
    }
  }

  #changed (room?: string): void {
    this.dispatchEvent(new CustomEvent('change', { detail: room !== undefined ? { room } : {} }))
  }
}

/** The best path among live connections: a direct link to a peer beats the relay; direct over TCP means the LAN. */
function pathOf (conns: CoreConnection[]): ConnectionInfo['path'] {
  const direct = conns.filter((c) => !c.relay && c.path === 'direct')
  if (direct.some((c) => c.transport === 'tcp')) return 'lan'
  if (direct.length > 0) return 'direct'
  return 'relay'
}
