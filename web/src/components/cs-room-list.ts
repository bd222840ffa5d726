import { LitElement, css, html } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import type { AppStore, RoomSummary } from '../state/app-store.ts'
import { EventController } from '../state/store-controller.ts'
import { LocaleController, formatTime, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconChat, iconPlus, iconSearch, iconSettings } from '../lib/icons.ts'
import { plainText } from '../lib/markdown.ts'
import type { CsNewRoomDialog } from './cs-new-room-dialog.ts'
import './cs-new-room-dialog.ts'
import type { CsDirectDialog } from './cs-direct-dialog.ts'
import './cs-direct-dialog.ts'
import './cs-avatar.ts'

/**
 * Sidebar: the user's rooms (newest activity first) with unread badges and the last message, plus New room,
 * Search and Settings. Emits `open-room` (detail: room id), `open-search`, `open-settings`, and `compose` after a
 * room was created (its message box should get the focus).
 */
export class CsRoomList extends LitElement {
  static override properties = {
    store: { attribute: false },
    activeView: { attribute: false }
  }

  declare store: AppStore
  declare activeView: string
  readonly #changes = new EventController(this, ['change'])

  constructor () {
    super()
    this.activeView = 'chat'
    new LocaleController(this)
  }

  override willUpdate (): void { this.#changes.target = this.store }

  static override styles = [sharedStyles, css`
    :host { display: flex; flex-direction: column; background: var(--cs-surface); min-height: 0; }
    header { display: flex; align-items: center; gap: var(--cs-space-1); padding: var(--cs-space-3) var(--cs-space-3) var(--cs-space-3) var(--cs-space-4);
      border-bottom: 1px solid var(--cs-border); }
    /* One line: a label that does not fit is cut with an ellipsis, never wrapped into a taller button. */
    h1 { font-size: 1.25rem; flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    header button { flex-shrink: 0; white-space: nowrap; }
    /* Snug enough that "Rooms" stays whole next to "New room" in the 320 px sidebar (also in Spanish). */
    header button.primary { padding: 0 10px; gap: var(--cs-space-1); }
    header button.icon { width: 36px; }
    nav { flex: 1; overflow-y: auto; min-height: 0; }
    ul { list-style: none; margin: 0; padding: var(--cs-space-2); display: grid; gap: 2px; }
    li button { width: 100%; border: 0; border-radius: var(--cs-radius-small); background: transparent; padding: var(--cs-space-2) var(--cs-space-3);
      min-height: 60px; justify-content: flex-start; text-align: left; font-weight: 400; gap: var(--cs-space-3); }
    li button:hover { background: var(--cs-surface-2); }
    li button[aria-current="true"] { background: var(--cs-accent-soft); }
    .text { flex: 1; min-width: 0; display: grid; grid-template-columns: minmax(0, 1fr); }
    .top { display: flex; gap: var(--cs-space-2); align-items: baseline; min-width: 0; }
    .name { font-weight: 650; flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .time { font-size: .8rem; color: var(--cs-text-muted); }
    .last { flex: 1; min-width: 0; color: var(--cs-text-muted); font-size: .9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .unread .name, .unread .last { color: var(--cs-text); font-weight: 700; }
    .badge { min-width: 22px; height: 22px; padding: 0 6px; border-radius: 999px; background: var(--cs-accent); color: var(--cs-accent-text);
      font-size: .8rem; font-weight: 700; display: inline-grid; place-items: center; }
    .empty { padding: var(--cs-space-5); color: var(--cs-text-muted); }
    footer { border-top: 1px solid var(--cs-border); padding: var(--cs-space-2) var(--cs-space-3); }
    footer button { width: 100%; justify-content: flex-start; border: 0; border-radius: var(--cs-radius-small); font-weight: 600; min-height: 52px; }
    footer button[aria-current="true"] { background: var(--cs-accent-soft); }
    footer .who { flex: 1; text-align: left; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  `]

  override render (): unknown {
    const s = this.store
    const rooms = s.rooms()
    const me = s.backend?.me
    return html`
      <header>
        <h1>${t('rooms')}</h1>
        <button class="ghost icon search" aria-label=${t('search')} title=${t('search')}
          aria-current=${this.activeView === 'search' ? 'true' : 'false'}
          @click=${() => { this.#emit('open-search') }}>${iconSearch}</button>
        <button class="ghost icon" aria-label=${t('newDirect')} title=${t('newDirect')}
          @click=${() => { this.renderRoot.querySelector<CsDirectDialog>('cs-direct-dialog')?.show() }}>${iconChat}</button>
        <button class="primary" @click=${() => { this.renderRoot.querySelector<CsNewRoomDialog>('cs-new-room-dialog')?.show() }}>
          ${iconPlus}<span>${t('newRoom')}</span></button>
      </header>
      <nav aria-label=${t('rooms')}>
        ${rooms.length === 0
          ? html`<p class="empty">${t('noRooms')}</p>`
          : html`<ul>${repeat(rooms, (r) => r.id, (r) => this.#room(r))}</ul>`}
      </nav>
      <footer>
        <button class="ghost" aria-current=${this.activeView === 'settings' ? 'true' : 'false'}
          @click=${() => { this.#emit('open-settings') }}>
          <cs-avatar .name=${s.profile?.name ?? ''} .userId=${me?.userId ?? ''} .src=${s.profile?.avatar}></cs-avatar>
          <span class="who">${s.profile?.name}<span class="visually-hidden">, ${t('openSettings')}</span></span>${iconSettings}
        </button>
      </footer>
      <cs-new-room-dialog @create-room=${this.#create}></cs-new-room-dialog>
      <cs-direct-dialog .store=${s}></cs-direct-dialog>
    `
  }

  #room (r: RoomSummary): unknown {
    const active = this.activeView === 'chat' && this.store.activeRoom === r.id
    const last = r.last
    const file = last?.body.k === 'file' ? last.body.name : undefined
    const lastText = last === undefined ? t('noMessagesYet') : last.deleted ? t('deleted') : file !== undefined ? `📎 ${file}` : plainText(last.text)
    const author = last === undefined ? '' : last.authorId === this.store.backend?.me.userId ? t('you') : (last.authorName ?? this.store.backend?.person(last.authorId)?.name ?? '')
    return html`<li>
      <button class=${r.unread > 0 ? 'unread' : ''} data-room=${r.id} aria-current=${active ? 'true' : 'false'}
        @click=${() => { this.dispatchEvent(new CustomEvent('open-room', { detail: r.id, bubbles: true, composed: true })) }}>
        <cs-avatar .name=${r.name} .userId=${r.direct?.userId ?? r.id} .src=${r.direct !== undefined ? this.store.backend?.person(r.direct.userId)?.avatar : undefined} size="48"></cs-avatar>
        <span class="text">
          <span class="top"><span class="name">${r.name}${r.direct !== undefined ? html`<span class="visually-hidden">, ${t('directRoomLabel')}</span>` : ''}</span>${last !== undefined ? html`<span class="time">${formatTime(last.time)}</span>` : ''}</span>
          <span class="top"><span class="last">${author !== '' ? `${author}: ` : ''}${lastText}</span>
            ${r.unread > 0 ? html`<span class="badge" aria-label=${t('unreadCount', { count: r.unread })}>${r.unread}</span>` : ''}</span>
        </span>
      </button>
    </li>`
  }

  /**
   * Puts focus back on the list after the screen it opened closes (settings, search, a room left or closed at phone
   * width), so keyboard users continue from where they were instead of from the top of the page: the button that
   * opened that screen, the room's entry, or (room gone) the first room, else "New room".
   */
  async focusEntry (target: 'search' | 'settings' | { room?: string }): Promise<void> {
    await this.updateComplete
    const root = this.renderRoot
    const el = target === 'search'
      ? root.querySelector<HTMLElement>('button.search')
      : target === 'settings'
        ? root.querySelector<HTMLElement>('footer button')
        : (target.room === undefined ? null : root.querySelector<HTMLElement>(`li button[data-room="${CSS.escape(target.room)}"]`)) ??
          root.querySelector<HTMLElement>('li button') ?? root.querySelector<HTMLElement>('header button.primary')
    el?.focus()
  }

  async #create (e: CustomEvent<string>): Promise<void> {
    const dialog = e.currentTarget as CsNewRoomDialog
    dialog.busy = true
    try {
      await this.store.createRoom(e.detail)
      dialog.close()
      this.#emit('open-room', this.store.activeRoom)
      // A room just created is for writing in: the message box gets the focus (not "New room", hidden at phone width).
      this.#emit('compose')
    } catch (err) {
      dialog.error = err instanceof Error ? err.message : String(err)
    } finally {
      dialog.busy = false
    }
  }

  #emit (name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
  }
}

customElements.define('cs-room-list', CsRoomList)

declare global {
  interface HTMLElementTagNameMap { 'cs-room-list': CsRoomList }
}
