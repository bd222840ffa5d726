import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import { SearchIndex } from '../state/search-index.ts'
import type { SearchHit } from '../state/search-index.ts'
import { LocaleController, formatDay, formatTime, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconBack } from '../lib/icons.ts'
import { plainText } from '../lib/markdown.ts'
import './cs-avatar.ts'

/** Search over messages, rooms and people on this device. Emits `open-room` (detail: room id) and `close`. */
export class CsSearch extends LitElement {
  static override properties = {
    store: { attribute: false },
    query: { state: true }
  }

  declare store: AppStore
  declare query: string
  readonly #index = new SearchIndex()

  constructor () {
    super()
    this.query = ''
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: flex; flex-direction: column; min-height: 0; background: var(--cs-surface); }
    header { display: flex; gap: var(--cs-space-2); align-items: center; padding: var(--cs-space-3) var(--cs-space-4); border-bottom: 1px solid var(--cs-border); }
    input { border-radius: 999px; }
    .results { flex: 1; overflow-y: auto; padding: var(--cs-space-2); }
    ul { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: 2px; }
    li button { width: 100%; border: 0; border-radius: var(--cs-radius-small); justify-content: flex-start; text-align: left; font-weight: 400;
      padding: var(--cs-space-2) var(--cs-space-3); min-height: 56px; gap: var(--cs-space-3); background: transparent; }
    li button:hover { background: var(--cs-surface-2); }
    .txt { display: grid; grid-template-columns: minmax(0, 1fr); min-width: 0; flex: 1; }
    .kind { font-size: .78rem; color: var(--cs-text-muted); overflow-wrap: anywhere; }
    .line { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .empty { color: var(--cs-text-muted); padding: var(--cs-space-4); }
  `]

  override firstUpdated (): void { this.renderRoot.querySelector('input')?.focus() }

  override render (): unknown {
    const backend = this.store.backend
    const hits = backend === undefined ? [] : this.#index.search(backend, this.query)
    return html`
      <header>
        <button class="ghost icon" aria-label=${t('backToRooms')} @click=${() => { this.#emit('close') }}>${iconBack}</button>
        <input type="search" aria-label=${t('search')} placeholder=${t('searchPlaceholder')} .value=${this.query}
          @input=${(e: Event) => { this.query = (e.target as HTMLInputElement).value }}
          @keydown=${(e: KeyboardEvent) => { if (e.key === 'Escape') this.#emit('close') }}>
      </header>
      <div class="results" role="region" aria-label=${t('searchResults')} aria-live="polite">
        ${this.query.trim() !== '' && hits.length === 0 ? html`<p class="empty">${t('noResults')}</p>` : ''}
        <ul>${hits.map((h) => this.#hit(h))}</ul>
      </div>
    `
  }

  #hit (h: SearchHit): unknown {
    const kind = h.kind === 'room' ? t('resultRoom') : h.kind === 'person' ? t('resultPerson') : t('resultMessage', { room: h.title })
    const line = h.kind === 'message' ? plainText(h.text) : h.kind === 'person' ? h.text : ''
    const when = h.time !== undefined ? ` · ${formatDay(h.time)} ${formatTime(h.time)}` : ''
    return html`<li><button ?disabled=${h.roomId === undefined} @click=${() => { if (h.roomId !== undefined) this.#emit('open-room', h.roomId) }}>
      <cs-avatar .name=${h.title} .userId=${h.kind === 'person' ? h.text : (h.roomId ?? '')}></cs-avatar>
      <span class="txt"><span class="kind">${kind}${when}</span>
        <span class="line"><strong>${h.kind === 'message' ? '' : h.title}</strong>${line}</span></span>
    </button></li>`
  }

  #emit (name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
  }
}

customElements.define('cs-search', CsSearch)

declare global {
  interface HTMLElementTagNameMap { 'cs-search': CsSearch }
}
