import type { ChatBackend, MessageView, RoomInfo } from '../core/backend.ts'
import type { DeviceIdentity } from '../core/identity.ts'
import { getDeviceValue, isFreshDevice, setDeviceValue, setDeviceValues } from './device-db.ts'
import { applyTheme, loadSettings, saveSettings } from './settings.ts'
import type { Settings } from './settings.ts'
import type * as Markdown from '../lib/markdown.ts'
import { getLocale, localeFromNavigator, setLocale, t } from '../i18n/i18n.ts'
import { parseIceServers } from '../core/ice-servers.ts'
import { isStorageFailure } from './storage-failure.ts'

export type Phase = 'loading' | 'onboarding' | 'starting' | 'ready' | 'error'

export interface LocalProfile {
  name: string
  avatar?: string
}

export interface RoomSummary extends RoomInfo {
  unread: number
  last?: MessageView
}

type MarkdownModule = typeof Markdown
/** The formatting module once loaded (announcements of new messages use its plain-text form). */
let markdownModule: MarkdownModule | undefined

const SEED_KEY = 'identity-seed'
const PROFILE_KEY = 'profile'
const READ_KEY = 'chatsphere:read:'
/**
 * Read markers of a room go out at most once per this interval (the first at once, the newest at the end of it): a
 * marker is a signed publish that every member and the relay check, and one per message in a busy room doubled the
 * traffic each message causes (P8).
 */
const READ_MARKER_INTERVAL_MS = 1000
/**
 * Set in localStorage (a separate store from IndexedDB) once an identity is saved, so a device database that the
 * browser dropped (Chromium does after it finds its store corrupt) is told apart from a first visit.
 */
const IDENTITY_MARK_KEY = 'chatsphere:had-identity'

/** Matches the invite fragment of PROTOCOL.md (`#/join/1/...`). */
const INVITE_FRAGMENT = /^#\/join\//
/** Matches a contact link fragment (`#/contact/1/...`, src/dm/contact-link.ts). */
const CONTACT_FRAGMENT = /^#\/contact\//
/** Matches a device link code opened as a link (`#/link/csl1.…`, src/devices/link-code.ts). */
const LINK_FRAGMENT = /^#\/link\//

/**
 * The app's state: identity, the running chat backend, the room in view, unread counts, settings, and the
 * notifications and title count that follow from them. Dispatches 'change' when anything shown changes.
 */
export class AppStore extends EventTarget {
  phase: Phase = 'loading'
  error: string | undefined
  /** With phase 'error': 'storage' when this browser's local database cannot be opened, else 'other'. */
  errorKind: 'storage' | 'other' | undefined
  /** The error screen's "Restore identity" was chosen: onboarding opens with the restore form. */
  onboardingRestore = false
  identity: DeviceIdentity | undefined
  profile: LocalProfile | undefined
  backend: ChatBackend | undefined
  settings: Settings = loadSettings()
  activeRoom: string | undefined
  /** An invite link opened before an identity existed; joined once the backend runs. */
  pendingInvite: string | undefined
  /** Name of the room in the pending invite, for the onboarding banner. */
  pendingInviteName: string | undefined
  /** A contact link opened from the address bar; its direct room is opened once the backend runs. */
  pendingContact: string | undefined
  /** A device link code opened from the address bar (a scanned QR code); settings offer to link that device. */
  pendingLinkCode: string | undefined
  /** Onboarding chose "link to a device I already use": settings show this browser's link code once the peer runs. */
  pendingLinkOffer = false
  /** Polite announcements for the live region. */
  announcement = ''

  readonly #onBackendChange = (e: Event): void => {
    const room = (e as CustomEvent<{ room?: string }>).detail?.room
    if (room !== undefined && room === this.activeRoom && this.#roomInView()) this.#markAllRead(room)
    this.#updateTitle()
    this.#emit()
  }

  readonly #onBackendMessage = (e: Event): void => {
    const { room, message } = (e as CustomEvent<{ room: string, message: MessageView }>).detail
    const name = message.authorName ?? this.backend?.person(message.authorId)?.name ?? message.authorId.slice(0, 10)
    const roomName = this.backend?.rooms().find((r) => r.id === room)?.name ?? ''
    const announce = ({ plainText }: MarkdownModule, sync: boolean): void => {
      const text = plainText(message.text)
      if (room === this.activeRoom) {
        this.announcement = t('newMessageFrom', { name, text: text.slice(0, 200) })
        // In step, the adapter's 'change' right after this event renders the announcement with the message.
        if (!sync) this.#emit()
      }
      if (!(room === this.activeRoom && this.#roomInView())) this.#notify(room, roomName, name, text)
    }
    // The formatting parser is in the messenger's chunk (already loaded when messages flow), not the first paint;
    // once loaded it is used synchronously (awaiting even a loaded import costs a render pass of its own).
    if (markdownModule !== undefined) { announce(markdownModule, true); return }
    void import('../lib/markdown.ts').then((mod) => { markdownModule = mod; announce(mod, false) })
  }

  /** Reads settings and the stored identity; starts the backend when there is one. */
  async init (): Promise<void> {
    // Whatever throws while starting shows the error screen, never a blank page.
    try {
      await this.#init()
    } catch (err) {
      this.#fail(err)
    }
  }

  async #init (): Promise<void> {
    await setLocale(this.settings.locale ?? localeFromNavigator(navigator.languages))
    document.documentElement.lang = getLocale()
    applyTheme(this.settings.theme)
    this.#takeInviteFromLocation()
    window.addEventListener('hashchange', () => { this.#takeInviteFromLocation(); void this.#joinPending() })
    document.addEventListener('visibilitychange', () => {
      if (this.activeRoom !== undefined && this.#roomInView()) { this.#markAllRead(this.activeRoom); this.#updateTitle(); this.#emit() }
    })
    // Onboarding renders only once IndexedDB has answered. Rendering it at once when no identity mark is set (before
    // the load event) was tried: the load event then came 40-110 ms later and P11 was not faster (2026-11-22, web/README).
    try {
      const fresh = await isFreshDevice()
      const seed = fresh ? undefined : await getDeviceValue<Uint8Array>(SEED_KEY)
      this.profile = fresh ? undefined : await getDeviceValue<LocalProfile>(PROFILE_KEY)
      if (seed === undefined || this.profile === undefined) {
        if (localStorage.getItem(IDENTITY_MARK_KEY) !== null) throw new Error('the IndexedDB device database no longer holds the identity this browser had')
        this.phase = 'onboarding'
        this.#emit()
        performance.mark('cs:onboarding')
        return
      }
      const { identityFromSeed } = await import('../core/identity.ts')
      this.identity = identityFromSeed(seed)
      await this.#start()
    } catch (err) {
      this.#fail(err)
    }
  }

  /** Saves a new or restored identity with its profile, then starts the peer. */
  async adoptIdentity (identity: DeviceIdentity, profile: LocalProfile): Promise<void> {
    performance.mark('cs:identity-adopt')
    // The seed and profile are written (one transaction, another database than the peer's) while the peer starts;
    // the messenger shows only once both are done, and a write that fails still shows the error screen.
    const saved = setDeviceValues([[SEED_KEY, identity.seed], [PROFILE_KEY, profile]]).then(() => {
      performance.mark('cs:identity-saved')
      try { localStorage.setItem(IDENTITY_MARK_KEY, '1') } catch { /* the mark only improves the error screen */ }
    })
    saved.catch(() => {}) // handled in #start (until then, not an unhandled rejection)
    this.identity = identity
    this.profile = profile
    await this.#start(saved)
  }

  /**
   * This browser was linked to another device's identity (settings, Linked devices): stores that identity and its
   * profile instead of the current one and reloads the app, which starts the peer as it.
   */
  async adoptLinkedIdentity (linked: { seed: Uint8Array, name?: string, avatar?: string }): Promise<void> {
    const { identityFromSeed } = await import('../core/identity.ts')
    const identity = identityFromSeed(linked.seed)
    const name = linked.name ?? this.profile?.name ?? identity.userId.slice(0, 10)
    const profile: LocalProfile = linked.avatar !== undefined ? { name, avatar: linked.avatar } : { name }
    const old = this.backend
    this.backend = undefined
    this.activeRoom = undefined
    if (old !== undefined) {
      old.removeEventListener('change', this.#onBackendChange)
      old.removeEventListener('message', this.#onBackendMessage)
      await old.close().catch(() => {})
    }
    await setDeviceValue(SEED_KEY, identity.seed)
    await setDeviceValue(PROFILE_KEY, profile)
    // A fresh page starts the peer as the linked identity (the old peer's storage lock goes with the page).
    location.reload()
  }

  /** Starts the peer; `saved`: the identity's write to the device database, which must succeed too. */
  async #start (saved?: Promise<void>): Promise<void> {
    if (this.identity === undefined || this.profile === undefined) return
    // The identity exists only in this browser's storage: ask that it not be evicted under storage pressure.
    void navigator.storage?.persist?.().catch(() => false)
    this.phase = 'starting'
    this.#emit()
    try {
      // The peer (libp2p, history, crypto) loads only now, so onboarding paints without it.
      // Performance marks let benchmarks split the start (bench/p11-first-message.ts).
      performance.mark('cs:peer-load')
      const { startBackend } = await import('../core/chat-backend.ts')
      performance.mark('cs:peer-start')
      const starting = startBackend({ identity: this.identity, profile: this.profile, relays: this.settings.relays, iceServers: parseIceServers(this.settings.iceServers), directConnections: this.settings.directConnections })
      if (saved !== undefined) {
        const [write, start] = await Promise.allSettled([saved, starting])
        if (write.status === 'rejected') {
          // The device database cannot be written (lost or unreadable store): the error screen says so.
          if (start.status === 'fulfilled') await start.value.close().catch(() => {})
          this.identity = undefined
          this.profile = undefined
          this.#fail(write.reason)
          return
        }
      }
      this.backend = await starting
      performance.mark('cs:peer-ready')
      this.backend.addEventListener('change', this.#onBackendChange)
      this.backend.addEventListener('message', this.#onBackendMessage)
      this.phase = 'ready'
      const first = this.backend.rooms()[0]
      if (this.activeRoom === undefined && first !== undefined && window.matchMedia('(min-width: 800px)').matches) this.activeRoom = first.id
      this.#updateTitle()
      this.#emit()
      await this.#joinPending()
    } catch (err) {
      this.#fail(err)
    }
  }

  #fail (err: unknown): void {
    console.error(err)
    this.phase = 'error'
    this.errorKind = isStorageFailure(err) ? 'storage' : 'other'
    this.error = err instanceof Error || err instanceof DOMException ? err.message : String(err)
    this.#emit()
  }

  /**
   * From the storage error screen: back to onboarding, with the restore form open ('restore') or to create a new
   * identity ('new'). Saving that identity tries the device database again; if it still fails, the error screen returns.
   */
  recover (mode: 'restore' | 'new'): void {
    this.phase = 'onboarding'
    this.error = undefined
    this.errorKind = undefined
    this.onboardingRestore = mode === 'restore'
    this.#emit()
  }

  #takeInviteFromLocation (): void {
    if (LINK_FRAGMENT.test(location.hash)) {
      this.pendingLinkCode = location.hash.slice('#/link/'.length)
      // The code is a one-time secret: it must not stay in the address bar or the history.
      history.replaceState(null, '', location.pathname + location.search)
      this.#emit()
      return
    }
    if (CONTACT_FRAGMENT.test(location.hash)) {
      this.pendingContact = location.href
      history.replaceState(null, '', location.pathname + location.search)
      this.#emit()
      return
    }
    if (!INVITE_FRAGMENT.test(location.hash)) return
    this.pendingInvite = location.href
    const name = location.hash.split('/')[4]
    try { this.pendingInviteName = name === undefined ? undefined : decodeURIComponent(name) } catch { this.pendingInviteName = undefined }
    // The secret must not linger in the address bar (screenshots, shoulder surfing).
    history.replaceState(null, '', location.pathname + location.search)
    this.#emit()
  }

  async #joinPending (): Promise<void> {
    const contact = this.pendingContact
    if (contact !== undefined && this.backend !== undefined) {
      this.pendingContact = undefined
      await this.openDirect(contact).catch((err: unknown) => {
        this.announcement = t('errDirect', { error: err instanceof Error ? err.message : String(err) })
        this.#emit()
      })
    }
    const invite = this.pendingInvite
    if (invite === undefined || this.backend === undefined) return
    this.pendingInvite = undefined
    this.pendingInviteName = undefined
    try {
      const room = await this.backend.join(invite)
      this.announcement = t('joined', { room: room.name })
      this.openRoom(room.id)
    } catch {
      this.announcement = t('errInvite')
      this.#emit()
    }
  }

  rooms (): RoomSummary[] {
    const backend = this.backend
    if (backend === undefined) return []
    const me = backend.me.userId
    return backend.rooms().map((r) => {
      const msgs = backend.messages(r.id)
      const readCount = this.#readCount(r.id)
      let unread = 0
      if (backend.loading(r.id)) {
        // Only the room's last messages so far: each knows its place in the whole list (until the rest is in).
        for (const m of msgs) if (m.index >= readCount && m.authorId !== me && !m.deleted) unread++
      } else {
        for (let i = Math.max(readCount, 0); i < msgs.length; i++) if (msgs[i]?.authorId !== me && msgs[i]?.deleted !== true) unread++
      }
      const last = msgs[msgs.length - 1]
      return { ...r, unread, ...(last !== undefined ? { last } : {}) }
    }).sort((a, b) => (b.last?.time ?? 0) - (a.last?.time ?? 0))
  }

  openRoom (roomId: string | undefined): void {
    this.activeRoom = roomId
    if (roomId !== undefined) this.#markAllRead(roomId)
    this.#updateTitle()
    this.#emit()
  }

  async createRoom (name: string): Promise<RoomInfo> {
    if (this.backend === undefined) throw new Error('not started')
    const room = await this.backend.createRoom(name)
    this.openRoom(room.id)
    return room
  }

  /** Opens (or returns) the direct room with a user id or contact link and shows it; throws with a message for people. */
  async openDirect (userIdOrLink: string): Promise<RoomInfo> {
    if (this.backend === undefined) throw new Error('not started')
    const room = await this.backend.contacts.openDirect(userIdOrLink)
    this.announcement = t('openedDirect', { name: room.name })
    this.openRoom(room.id)
    return room
  }

  async leaveRoom (roomId: string): Promise<void> {
    await this.backend?.leave(roomId)
    if (this.activeRoom === roomId) this.activeRoom = undefined
    this.#updateTitle()
    this.#emit()
  }

  async saveProfile (profile: LocalProfile): Promise<void> {
    await setDeviceValue(PROFILE_KEY, profile)
    this.profile = profile
    await this.backend?.setProfile(profile.name, profile.avatar)
    this.#emit()
  }

  updateSettings (patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch }
    saveSettings(this.settings)
    applyTheme(this.settings.theme)
    void setLocale(this.settings.locale ?? localeFromNavigator(navigator.languages))
    this.#emit()
  }

  /** Counts messages up to the newest as read, and tells the room (read marker). */
  #markAllRead (roomId: string): void {
    // A room still opening holds only its last messages: the count is taken (and the marker sent) once it is open, on
    // the backend's change for it.
    if (this.backend?.loading(roomId) === true) return
    const msgs = this.backend?.messages(roomId) ?? []
    if (msgs.length === this.#readCount(roomId)) return
    this.#readCounts.set(roomId, msgs.length)
    const last = msgs[msgs.length - 1]
    // Saving the count and sending the read marker wait a task: this runs while a new message is being rendered, and
    // localStorage writes synchronously (0.2-0.8 ms measured there, P8); the marker is rate-limited anyway.
    if (this.#readSave === undefined) {
      this.#readSave = setTimeout(() => {
        this.#readSave = undefined
        for (const [room, n] of this.#readCounts) localStorage.setItem(READ_KEY + room, String(n))
      }, 0)
    }
    if (last !== undefined) setTimeout(() => { this.#sendReadMarker(roomId, last.id) }, 0)
  }

  /** Read counts of this session (localStorage holds them across sessions, written a task later). */
  readonly #readCounts = new Map<string, number>()
  #readSave: ReturnType<typeof setTimeout> | undefined

  readonly #readSentAt = new Map<string, number>()
  readonly #readTimers = new Map<string, ReturnType<typeof setTimeout>>()

  #sendReadMarker (roomId: string, messageId: string): void {
    clearTimeout(this.#readTimers.get(roomId))
    this.#readTimers.delete(roomId)
    const wait = (this.#readSentAt.get(roomId) ?? -Infinity) + READ_MARKER_INTERVAL_MS - Date.now()
    const send = (): void => {
      this.#readTimers.delete(roomId)
      this.#readSentAt.set(roomId, Date.now())
      this.backend?.markRead(roomId, messageId)
    }
    if (wait <= 0) send()
    else this.#readTimers.set(roomId, setTimeout(send, wait))
  }

  #readCount (roomId: string): number {
    const known = this.#readCounts.get(roomId)
    if (known !== undefined) return known
    const n = Number(localStorage.getItem(READ_KEY + roomId) ?? '0')
    return Number.isSafeInteger(n) && n >= 0 ? n : 0
  }

  #roomInView (): boolean {
    return document.visibilityState === 'visible'
  }

  #updateTitle (): void {
    const total = this.rooms().reduce((n, r) => n + r.unread, 0)
    document.title = total > 0 ? t('titleUnread', { count: total }) : t('appName')
  }

  #notify (roomId: string, roomName: string, author: string, text: string): void {
    if (!this.settings.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    // Title and body are plain text for the OS; nothing from a peer is interpreted.
    const n = new Notification(t('notificationTitle', { name: author, room: roomName }), { body: text.slice(0, 300), tag: roomId })
    n.onclick = () => { window.focus(); this.openRoom(roomId); n.close() }
  }

  #emit (): void {
    this.dispatchEvent(new Event('change'))
  }
}
