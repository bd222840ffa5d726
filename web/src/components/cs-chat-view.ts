import { LitElement, css, html } from 'lit'
import type { ReactiveElement } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import type { MessageView } from '../core/backend.ts'
import { EventController } from '../state/store-controller.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconBack, iconInvite, iconLeave, iconPeople, iconSettings, iconShield } from '../lib/icons.ts'
import type { MessageContext } from './cs-message.ts'
import type { CsInviteDialog } from './cs-invite-dialog.ts'
import type { CsComposer, PickedFile } from './cs-composer.ts'
import type { CsMessageList } from './cs-message-list.ts'
import { transfersFor } from '../state/media-transfers.ts'
import { prepareFile } from '../lib/media-prep.ts'
import { formatBytes } from '../lib/media-kind.ts'
import './cs-message-list.ts'
import './cs-composer.ts'
import './cs-invite-dialog.ts'
import './cs-connection-banner.ts'
import './cs-avatar.ts'
import './cs-contact-dialog.ts'
import './cs-people-dialog.ts'
import './cs-room-admin-dialog.ts'
import type { CsContactDialog } from './cs-contact-dialog.ts'
import type { CsPeopleDialog } from './cs-people-dialog.ts'
import type { CsRoomAdminDialog } from './cs-room-admin-dialog.ts'

type DialogTag = 'cs-invite-dialog' | 'cs-people-dialog' | 'cs-contact-dialog' | 'cs-room-admin-dialog'

/**
 * One room: header (name, who is online, Invite, Leave), connection banner, missing-messages note, the message
 * list, the typing line and the composer. Emits `back` (phone layout).
 */
export class CsChatView extends LitElement {
  static override properties = {
    store: { attribute: false },
    roomId: { attribute: false },
    replyTo: { state: true },
    editing: { state: true },
    fileStatus: { state: true },
    dragging: { state: true },
    dialogs: { state: true }
  }

  declare store: AppStore
  declare roomId: string
  declare replyTo: MessageView | undefined
  declare editing: MessageView | undefined
  /** What happened to the last files sent (sending, too large, failed). */
  declare fileStatus: string
  /** Files are being dragged over the view. */
  declare dragging: boolean
  /**
   * The dialogs opened at least once. Only these are in the view: a closed dialog rendered for nothing (the invite QR
   * code, the member and role lists) made opening a room and each of its updates slower (P11, P8).
   */
  declare dialogs: ReadonlySet<DialogTag>
  readonly #storeChanges = new EventController(this, ['change'])
  readonly #backendChanges = new EventController(this, ['change'])

  constructor () {
    super()
    this.fileStatus = ''
    this.dragging = false
    this.dialogs = new Set()
    new LocaleController(this)
    // Drag and drop anywhere on the room's view sends the files.
    this.addEventListener('dragover', (e) => {
      if (!(e.dataTransfer?.types.includes('Files') ?? false)) return
      e.preventDefault()
      this.dragging = true
    })
    this.addEventListener('dragleave', (e) => { if (e.relatedTarget === null) this.dragging = false })
    this.addEventListener('drop', (e) => {
      const files = [...(e.dataTransfer?.files ?? [])]
      this.dragging = false
      if (files.length === 0) return
      e.preventDefault()
      void this.#sendFiles(files.map((file) => ({ file })))
    })
  }

  override willUpdate (changed: Map<string, unknown>): void {
    this.#storeChanges.target = this.store
    this.#backendChanges.target = this.store.backend
    if (changed.has('roomId')) { this.replyTo = undefined; this.editing = undefined }
  }

  static override styles = [sharedStyles, css`
    :host { display: flex; flex-direction: column; min-height: 0; background: var(--cs-bg); }
    header { display: flex; align-items: center; gap: var(--cs-space-3); padding: var(--cs-space-2) var(--cs-space-3) var(--cs-space-2) var(--cs-space-4);
      background: var(--cs-surface); border-bottom: 1px solid var(--cs-border); min-height: 60px; }
    .title { flex: 1; min-width: 0; display: grid; }
    h2 { font-size: 1.1rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    h2:focus-visible { outline-offset: -3px; }
    .sub { font-size: .85rem; color: var(--cs-text-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    header > button { flex-shrink: 0; }
    .back { display: none; }
    @media (max-width: 799px) {
      .back { display: inline-flex; }
      /* Five buttons share 390 px with the room's name: tighter gaps and no room picture leave the name ~150 px. */
      header { gap: var(--cs-space-1); padding: var(--cs-space-2); }
      header > cs-avatar { display: none; }
      header > button.labelled { width: 40px; padding: 0; }
      /* The word stays as the button's name for assistive technology; only the icon shows. */
      .label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    }
    .gap { margin: 0; padding: var(--cs-space-2) var(--cs-space-4); background: var(--cs-accent-soft); font-size: .9rem; }
    cs-message-list { flex: 1; }
    .file-status { margin: 0; padding: 0 var(--cs-space-4); font-size: .85rem; }
    .file-status:empty { display: none; }
    .drop { margin: 0; padding: var(--cs-space-3); text-align: center; font-weight: 600; background: var(--cs-accent-soft); border: 2px dashed var(--cs-accent); }
    .typing { min-height: 1.6em; padding: 0 var(--cs-space-4); font-size: .85rem; color: var(--cs-text-muted); font-style: italic; margin: 0; }
  `]

  override render (): unknown {
    const backend = this.store.backend
    const room = backend?.rooms().find((r) => r.id === this.roomId)
    if (backend === undefined || room === undefined) return html``
    const messages = backend.messages(this.roomId)
    const presence = backend.presence(this.roomId)
    const online = [...presence.entries()].filter(([u, s]) => s === 'online' && u !== backend.me.userId).length + 1
    const nameOf = (u: string): string => backend.person(u)?.name ?? u.slice(0, 10)
    const byId = new Map<string, MessageView>()
    const ctx: MessageContext = {
      meId: backend.me.userId,
      nameOf,
      avatarOf: (u) => u === backend.me.userId ? this.store.profile?.avatar : backend.person(u)?.avatar,
      presenceOf: (u) => presence.get(u) ?? 'offline',
      replyTarget: (id) => {
        if (byId.size === 0) for (const m of messages) byId.set(m.id, m)
        return byId.get(id)
      },
      delivery: (id) => backend.delivery(this.roomId, id),
      roomId: this.roomId,
      transfers: transfersFor(backend),
      peerName: (peerId) => backend.peerLinks().find((p) => p.peerId === peerId)?.name
    }
    if (room.direct === undefined) {
      const may = backend.roles.permissions(this.roomId)
      if (may.roles) ctx.canModerate = (u) => may.canRemoveMessageOf(u)
    }
    const readers = new Map<string, string[]>()
    for (const [userId, msgId] of backend.readMarkers(this.roomId)) {
      if (userId === backend.me.userId) continue
      readers.set(msgId, [...(readers.get(msgId) ?? []), nameOf(userId)])
    }
    const typing = backend.typing(this.roomId).filter((u) => u !== backend.me.userId).map(nameOf)
    const gaps = backend.gaps(this.roomId)
    return html`
      <header>
        <button class="ghost icon back" aria-label=${t('backToRooms')} @click=${() => { this.#emit('back') }}>${iconBack}</button>
        ${room.direct !== undefined ? this.#directHeader(room.direct.userId, room.name) : html`
        <cs-avatar .name=${room.name} .userId=${room.id} .src=${backend.roles.settings(this.roomId).avatar}></cs-avatar>
        <div class="title">
          <h2 tabindex="-1">${room.name}</h2>
          <span class="sub">${t('members', { count: online })}</span>
        </div>
        <button class="ghost icon" aria-label=${t('people')} title=${t('people')}
          @click=${() => { void this.#dialog<CsPeopleDialog>('cs-people-dialog').then((d) => { d?.show() }) }}>${iconPeople}</button>
        <button class="ghost icon" aria-label=${t('membersAndRoles')} title=${t('membersAndRoles')}
          @click=${() => { void this.#dialog<CsRoomAdminDialog>('cs-room-admin-dialog').then((d) => { d?.show() }) }}>${iconSettings}</button>
        ${backend.roles.permissions(this.roomId).canInvite ? html`<button class="labelled" @click=${() => { void this.#dialog<CsInviteDialog>('cs-invite-dialog').then((d) => { d?.show() }) }}>
          ${iconInvite}<span class="label">${t('invite')}</span></button>` : ''}`}
        <button class="ghost icon" aria-label=${t('leaveRoom')} title=${t('leaveRoom')} @click=${() => { void this.#leave(room.name) }}>${iconLeave}</button>
      </header>
      ${this.#keyWarning(room)}
      ${this.#removedNotice(room)}
      ${this.#unreadableNotice()}
      <cs-connection-banner .info=${backend.connection()}></cs-connection-banner>
      ${gaps.length > 0 ? html`<p class="gap" role="status">${t('gapFetching')}</p>` : ''}
      <cs-message-list .messages=${messages} .ctx=${ctx} .readers=${readers}
        @reply=${(e: CustomEvent<MessageView>) => { this.editing = undefined; this.replyTo = e.detail; this.#focusComposer() }}
        @edit=${(e: CustomEvent<MessageView>) => { this.replyTo = undefined; this.editing = e.detail; this.#focusComposer() }}
        @delete=${(e: CustomEvent<MessageView>) => { if (confirm(t('deleteConfirm'))) void backend.remove(this.roomId, e.detail.id); this.#focusList() }}
        @react=${(e: CustomEvent<{ message: MessageView, emoji: string, on: boolean }>) => { void backend.react(this.roomId, e.detail.message.id, e.detail.emoji, e.detail.on) }}
        @message-author=${(e: CustomEvent<string>) => { void this.#messageAuthor(e.detail) }}
        @moderate-remove=${(e: CustomEvent<MessageView>) => { if (confirm(t('removeForEveryoneConfirm'))) void backend.roles.removeMessage(this.roomId, e.detail.id).catch(() => {}); this.#focusList() }}
      ></cs-message-list>
      ${this.dragging ? html`<p class="drop">${t('dropFiles')}</p>` : ''}
      <p class="file-status" role="status">${this.fileStatus}</p>
      <p class="typing" aria-live="off">${typingLine(typing)}</p>
      ${backend.roomError(this.roomId) !== undefined ? '' : html`<cs-composer .roomId=${this.roomId}
        .replyName=${this.replyTo === undefined ? undefined : this.replyTo.authorId === backend.me.userId ? t('you') : nameOf(this.replyTo.authorId)}
        .editing=${this.editing?.text}
        @send=${(e: CustomEvent<string>) => { void this.#send(e.detail) }}
        @save-edit=${(e: CustomEvent<string>) => { if (this.editing !== undefined) void backend.edit(this.roomId, this.editing.id, e.detail); this.editing = undefined }}
        @cancel-reply=${() => { this.replyTo = undefined }}
        @cancel-edit=${() => { this.editing = undefined }}
        @typing=${(e: CustomEvent<boolean>) => { backend.setTyping(this.roomId, e.detail) }}
        @files=${(e: CustomEvent<PickedFile[]>) => { void this.#sendFiles(e.detail) }}></cs-composer>`}
      ${room.direct === undefined && this.dialogs.has('cs-invite-dialog') ? html`<cs-invite-dialog .roomName=${room.name} .link=${backend.inviteLink(this.roomId)}></cs-invite-dialog>` : ''}
      ${this.dialogs.has('cs-people-dialog') ? html`<cs-people-dialog .store=${this.store} .roomId=${this.roomId} .roomName=${room.name} @verify-person=${(e: CustomEvent<string>) => { this.#verify(e.detail) }}></cs-people-dialog>` : ''}
      ${this.dialogs.has('cs-contact-dialog') ? html`<cs-contact-dialog .store=${this.store}></cs-contact-dialog>` : ''}
      ${room.direct === undefined && this.dialogs.has('cs-room-admin-dialog') ? html`<cs-room-admin-dialog .store=${this.store} .roomId=${this.roomId} .roomName=${room.name}></cs-room-admin-dialog>` : ''}
    `
  }

  /** Header of a direct room: the other person, their verified mark, and the verification screen. */
  #directHeader (userId: string, name: string): unknown {
    const contact = this.store.backend?.contacts.contact(userId)
    const avatar = this.store.backend?.person(userId)?.avatar ?? contact?.avatar
    return html`
      <cs-avatar .name=${name} .userId=${userId} .src=${avatar}></cs-avatar>
      <div class="title">
        <h2 tabindex="-1">${name}${contact?.verified === true ? html` <span title=${t('verified')}>✓<span class="visually-hidden">${t('verified')}</span></span>` : ''}</h2>
        <span class="sub">${t('directRoomLabel')}</span>
      </div>
      <button class="labelled" @click=${() => { this.#verify(userId) }}>${iconShield}<span class="label">${t('verifyAction')}</span></button>`
  }

  /** The key-change warning of a direct room (src/dm: the other person announced a different key). */
  /** Rooms with roles: we were removed or banned (what we write is not shown, what is sent now we cannot read). */
  /** A tail-first open that could not read the room's stored history: say so, and how to get it back. */
  #unreadableNotice (): unknown {
    const error = this.store.backend?.roomError(this.roomId)
    return error === undefined ? '' : html`<p class="gap" role="alert">${t('roomUnreadable', { error })}</p>`
  }

  #removedNotice (room: { direct?: { userId: string } }): unknown {
    const backend = this.store.backend
    if (room.direct !== undefined || backend === undefined) return ''
    const me = backend.me.userId
    const last = backend.roles.moderationLog(this.roomId).filter((e) => e.user === me && (e.action === 'kick' || e.action === 'ban' || e.action === 'role')).at(-1)
    if (last === undefined || last.action === 'role') return ''
    return html`<p class="gap" role="status">${last.action === 'ban' ? t('youWereBanned') : t('youWereRemoved')}</p>`
  }

  #keyWarning (room: { name: string, direct?: { userId: string } }): unknown {
    if (room.direct === undefined) return ''
    const contact = this.store.backend?.contacts.contact(room.direct.userId)
    // A verified contact's name twin is someone else: no warning in the conversation (the verification screen still says so).
    if (contact?.keyChanged !== true && (contact?.sameNameAs === undefined || contact.verified)) return ''
    const userId = room.direct.userId
    return html`<p class="gap" role="alert">${contact.keyChanged ? t('keyChanged', { name: room.name }) : t('sameName', { name: room.name })}
      <button @click=${() => { this.#verify(userId) }}>${t('verifyAction')}</button></p>`
  }

  #verify (userId: string): void {
    void this.#dialog<CsContactDialog>('cs-contact-dialog').then((d) => { d?.show(userId) })
  }

  /** The dialog element, put in the view first if it was never opened, once it has rendered. */
  async #dialog<T extends ReactiveElement> (tag: DialogTag): Promise<T | undefined> {
    if (!this.dialogs.has(tag)) {
      this.dialogs = new Set([...this.dialogs, tag])
      await this.updateComplete
    }
    const el = this.renderRoot.querySelector<T>(tag) ?? undefined
    await el?.updateComplete
    return el
  }

  /** "Message" on someone's message: their direct room, or (no key known yet) their verification screen says why not. */
  async #messageAuthor (userId: string): Promise<void> {
    try {
      await this.store.openDirect(userId)
    } catch {
      this.#verify(userId)
    }
  }

  async #send (text: string): Promise<void> {
    const replyTo = this.replyTo?.id
    this.replyTo = undefined
    try {
      await this.store.backend?.send(this.roomId, text, replyTo)
    } catch (err) {
      this.fileStatus = t('sendFailed', { error: (err as Error).message })
    }
  }

  /** Sends files one after another; says which one is being sent, and why one was not. */
  async #sendFiles (files: PickedFile[]): Promise<void> {
    const backend = this.store.backend
    if (backend === undefined) return
    const room = this.roomId
    for (const { file, duration } of files) {
      if (file.size > backend.maxFileBytes) {
        this.fileStatus = t('fileTooLarge', { name: file.name, size: formatBytes(file.size), max: formatBytes(backend.maxFileBytes) })
        continue
      }
      this.fileStatus = t('sendingFile', { name: file.name })
      try {
        await backend.sendFile(room, await prepareFile(file, duration))
        this.fileStatus = ''
      } catch (err) {
        this.fileStatus = t('sendFileFailed', { name: file.name, error: (err as Error).message })
      }
    }
  }

  async #leave (name: string): Promise<void> {
    if (!confirm(t('leaveConfirm', { room: name }))) return
    await this.store.leaveRoom(this.roomId)
    this.#emit('back')
  }

  /**
   * Moves focus into the room: its message box, or its name (a heading that takes focus by script only: at phone
   * width a room opened from the list or from search replaces the screen that held the focus).
   */
  async focusOn (target: 'composer' | 'heading'): Promise<void> {
    await this.updateComplete
    const composer = this.renderRoot.querySelector<CsComposer>('cs-composer')
    if (target === 'composer' && composer !== null) { await composer.updateComplete; composer.focus(); return }
    this.renderRoot.querySelector<HTMLElement>('header h2')?.focus()
  }

  /** A deleted message loses the actions that had the focus: the focus goes to the list, where the reader was. */
  #focusList (): void {
    void this.updateComplete.then(() => { this.renderRoot.querySelector<CsMessageList>('cs-message-list')?.focusList() })
  }

  #focusComposer (): void {
    void this.updateComplete.then(() => { this.renderRoot.querySelector<CsComposer>('cs-composer')?.focus() })
  }

  #emit (name: string): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }))
  }
}

function typingLine (names: string[]): string {
  if (names.length === 0) return ''
  if (names.length === 1) return t('typingOne', { a: names[0] ?? '' })
  if (names.length === 2) return t('typingTwo', { a: names[0] ?? '', b: names[1] ?? '' })
  return t('typingMany')
}

customElements.define('cs-chat-view', CsChatView)

declare global {
  interface HTMLElementTagNameMap { 'cs-chat-view': CsChatView }
}
