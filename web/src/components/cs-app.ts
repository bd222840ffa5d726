import { LitElement, css, html } from 'lit'
import { AppStore } from '../state/app-store.ts'
import { EventController } from '../state/store-controller.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import './cs-onboarding.ts'
import './cs-start-error.ts'
import type { CsRoomList } from './cs-room-list.ts'
import type { CsChatView } from './cs-chat-view.ts'

// Screens after onboarding load on demand (elements upgrade when defined), so a first visit paints onboarding
// without them; they load in parallel with the peer while it starts.
const loadMessenger = (): Promise<unknown> => Promise.all([import('./cs-room-list.ts'), import('./cs-chat-view.ts')])
const loadSettings = (): Promise<unknown> => import('./cs-settings.ts')
const loadSearch = (): Promise<unknown> => import('./cs-search.ts')

/** The shell: onboarding until an identity exists, then the two-pane messenger (one pane at phone width). */
export class CsApp extends LitElement {
  static override properties = {
    view: { state: true }
  }

  declare view: 'chat' | 'settings' | 'search'
  readonly store = new AppStore()
  readonly #changes = new EventController(this, ['change'])

  constructor () {
    super()
    this.view = 'chat'
    this.#changes.target = this.store
    new LocaleController(this)
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.store.init()
  }

  static override styles = [sharedStyles, css`
    :host { display: block; height: 100%; }
    .status { display: grid; place-items: center; height: 100%; padding: var(--cs-space-5); text-align: center; }
    .shell { display: grid; grid-template-columns: var(--cs-sidebar-width) 1fr; height: 100%; }
    cs-room-list { border-right: 1px solid var(--cs-border); min-height: 0; }
    main { min-width: 0; min-height: 0; display: flex; flex-direction: column; }
    main > * { flex: 1; min-height: 0; }
    .empty { display: grid; place-items: center; color: var(--cs-text-muted); padding: var(--cs-space-5); text-align: center; }
    @media (max-width: 799px) {
      .shell { grid-template-columns: 1fr; }
      .shell.room-open cs-room-list { display: none; }
      .shell:not(.room-open) main { display: none; }
    }
  `]

  override willUpdate (): void {
    const phase = this.store.phase
    if (phase === 'starting' || phase === 'ready') void loadMessenger()
    // A scanned device link code opens the settings, where linking that device is offered.
    if ((this.store.pendingLinkCode !== undefined || this.store.pendingLinkOffer) && this.store.phase === 'ready' && this.view !== 'settings') this.view = 'settings'
    if (this.view === 'settings') void loadSettings()
    if (this.view === 'search') void loadSearch()
  }

  override render (): unknown {
    const s = this.store
    const live = html`<div class="visually-hidden" role="status" aria-live="polite">${s.announcement}</div>`
    switch (s.phase) {
      case 'loading':
        return html`<div class="status" aria-busy="true">${t('appName')}</div>`
      case 'onboarding':
        return html`<cs-onboarding .store=${s}></cs-onboarding>${live}`
      case 'starting':
        return html`<div class="status" role="status" aria-busy="true">${t('connecting')}</div>`
      case 'error':
        return html`<cs-start-error .store=${s}></cs-start-error>${live}`
      case 'ready':
        break
    }
    const roomOpen = this.view !== 'chat' || s.activeRoom !== undefined
    return html`
      <div class="shell ${roomOpen ? 'room-open' : ''}">
        <cs-room-list .store=${s} .activeView=${this.view}
          @open-room=${(e: CustomEvent<string>) => { this.#open(e.detail) }}
          @compose=${() => { void this.#focusChat('composer') }}
          @open-settings=${() => { this.view = 'settings' }}
          @open-search=${() => { this.view = 'search' }}></cs-room-list>
        <main>
          ${this.#main()}
        </main>
      </div>
      ${live}
    `
  }

  /** Opens a room; when the screen that had the focus went away (search, the room list at phone width), focus the room. */
  #open (roomId: string): void {
    this.view = 'chat'
    this.store.openRoom(roomId)
    void this.#focusChat('heading', true)
  }

  /** Focus into the room in view (after it rendered); with `ifLost`, only when the focus is on nothing visible. */
  async #focusChat (target: 'composer' | 'heading', ifLost = false): Promise<void> {
    await this.updateComplete
    if (ifLost && !focusLost()) return
    await this.renderRoot.querySelector<CsChatView>('cs-chat-view')?.focusOn(target)
  }

  #main (): unknown {
    const s = this.store
    const back = (): void => {
      const from = this.view === 'chat' ? { room: s.activeRoom } : this.view
      this.view = 'chat'
      s.openRoom(undefined)
      // The closed screen held the focus; without this it falls to the page's body.
      void this.updateComplete.then(async () => { await this.renderRoot.querySelector<CsRoomList>('cs-room-list')?.focusEntry(from) })
    }
    if (this.view === 'settings') return html`<cs-settings .store=${s} @close=${back}></cs-settings>`
    if (this.view === 'search') {
      return html`<cs-search .store=${s} @close=${back}
        @open-room=${(e: CustomEvent<string>) => { this.#open(e.detail) }}></cs-search>`
    }
    if (s.activeRoom === undefined || s.backend === undefined) return html`<div class="empty"><p>${t('selectRoom')}</p></div>`
    // A conversation started from the room (People, a contact's card): shown and its message box focused, as when
    // started from the room list.
    return html`<cs-chat-view .store=${s} .roomId=${s.activeRoom} @back=${back}
      @open-room=${(e: CustomEvent<string>) => { this.#open(e.detail) }}
      @compose=${() => { void this.#focusChat('composer') }}></cs-chat-view>`
  }
}

/** The focus is on the page itself or on an element no longer shown (removed, or in a screen hidden at phone width). */
function focusLost (): boolean {
  let el: Element | null = document.activeElement
  while (el?.shadowRoot?.activeElement != null) el = el.shadowRoot.activeElement
  return el === null || el === document.body || !el.isConnected || !el.checkVisibility()
}

customElements.define('cs-app', CsApp)

declare global {
  interface HTMLElementTagNameMap { 'cs-app': CsApp }
}
