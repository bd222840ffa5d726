import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import type { Theme } from '../state/settings.ts'
import { EventController } from '../state/store-controller.ts'
import { LOCALES, LocaleController, t } from '../i18n/i18n.ts'
import type { Locale } from '../i18n/i18n.ts'
import type { MessageKey } from '../i18n/en.ts'
import { sharedStyles } from '../styles/shared.ts'
import { avatarFromFile } from '../lib/avatar-image.ts'
import { downloadBytes } from '../lib/download.ts'
import { parseIceServers } from '../core/ice-servers.ts'
import { iconBack } from '../lib/icons.ts'
import './cs-avatar.ts'
import './cs-linked-devices.ts'

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' }
/** A key file passphrase shorter than this is refused (scrypt slows guessing, it cannot save a short one). */
const MIN_PASSPHRASE_CHARS = 8

/** Profile, appearance, language, notifications, relays, identity backup and room history. Emits `close`. */
export class CsSettings extends LitElement {
  static override properties = {
    store: { attribute: false },
    name: { state: true },
    avatar: { state: true },
    words: { state: true },
    status: { state: true },
    busy: { state: true }
  }

  declare store: AppStore
  declare name: string
  declare avatar: string | undefined
  declare words: string | undefined
  /** Per-section status line (saved, error). */
  declare status: Partial<Record<string, string>>
  declare busy: boolean
  readonly #changes = new EventController(this, ['change'])

  constructor () {
    super()
    this.name = ''
    this.status = {}
    this.busy = false
    new LocaleController(this)
  }

  override willUpdate (changed: Map<string, unknown>): void {
    this.#changes.target = this.store
    if (changed.has('store')) {
      this.name = this.store.profile?.name ?? ''
      this.avatar = this.store.profile?.avatar
    }
  }

  static override styles = [sharedStyles, css`
    :host { display: block; overflow-y: auto; background: var(--cs-bg); }
    header { position: sticky; top: 0; z-index: 1; display: flex; gap: var(--cs-space-2); align-items: center; padding: var(--cs-space-3) var(--cs-space-4);
      background: var(--cs-surface); border-bottom: 1px solid var(--cs-border); }
    h1 { font-size: 1.25rem; }
    /* minmax(0, 1fr): a long unbreakable value (a room's name in the history select) must not widen the page. */
    .page { max-width: 760px; margin: 0 auto; padding: var(--cs-space-4); display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-4); }
    section { background: var(--cs-surface); border: 1px solid var(--cs-border); border-radius: var(--cs-radius); padding: var(--cs-space-4) var(--cs-space-5);
      display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-3); }
    h2 { font-size: 1.05rem; }
    p { margin: 0; }
    .mono { font-family: var(--cs-font-mono); overflow-wrap: anywhere; font-size: .9rem; }
    .words { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: var(--cs-space-1) var(--cs-space-3); margin: 0;
      padding: var(--cs-space-3); background: var(--cs-surface-2); border-radius: var(--cs-radius-small); font-family: var(--cs-font-mono); }
    .words li { margin-left: 1.6em; }
    fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: var(--cs-space-4); flex-wrap: wrap; }
    legend { font-weight: 600; margin-bottom: var(--cs-space-2); }
    .check { display: flex; gap: var(--cs-space-2); align-items: flex-start; font-weight: 400; }
    .check input { width: 20px; height: 20px; margin-top: 2px; }
    .file-label { display: inline-flex; align-items: center; min-height: 40px; padding: 0 var(--cs-space-4); border-radius: 999px;
      border: 1px solid var(--cs-border); cursor: pointer; font-weight: 600; }
    .file-label:focus-within { outline: 3px solid var(--cs-focus); outline-offset: 2px; }
    .file-label input { position: absolute; opacity: 0; width: 1px; height: 1px; }
    textarea { min-height: 80px; font-family: var(--cs-font-mono); font-size: .9rem; }
    select { width: auto; max-width: 100%; }
    @media (max-width: 799px) { section { padding: var(--cs-space-4); } }
  `]

  override render (): unknown {
    const s = this.store
    const id = s.identity
    return html`
      <header>
        <button class="ghost icon" aria-label=${t('backToRooms')} @click=${() => { this.#emit('close') }}>${iconBack}</button>
        <h1>${t('settingsTitle')}</h1>
      </header>
      <div class="page">
        <section aria-labelledby="s-profile">
          <h2 id="s-profile">${t('profile')}</h2>
          <div class="row">
            <cs-avatar .name=${this.name} .userId=${id?.userId ?? ''} .src=${this.avatar} size="72"></cs-avatar>
            <label class="file-label">${t('chooseImage')}<input type="file" accept="image/png,image/jpeg,image/webp,image/gif" @change=${this.#pickAvatar}></label>
            ${this.avatar !== undefined ? html`<button class="ghost" @click=${() => { this.avatar = undefined }}>${t('removeAvatar')}</button>` : ''}
          </div>
          <div class="field">
            <label for="name">${t('displayName')}</label>
            <input id="name" type="text" maxlength="64" .value=${this.name} @input=${(e: Event) => { this.name = (e.target as HTMLInputElement).value }}>
          </div>
          <div class="row"><button class="primary" @click=${() => { void this.#saveProfile() }}>${t('saveProfile')}</button>
            <span role="status">${this.status.profile ?? ''}</span></div>
          <p><strong>${t('yourId')}:</strong> <span class="mono">${id?.userId}</span></p>
          <p><strong>${t('fingerprint')}:</strong> <span class="mono">${id?.fingerprint}</span></p>
        </section>

        <section aria-labelledby="s-look">
          <h2 id="s-look">${t('appearance')}</h2>
          <fieldset>
            <legend>${t('theme')}</legend>
            ${(['system', 'light', 'dark'] as Theme[]).map((th) => html`<label class="check"><input type="radio" name="theme" .checked=${s.settings.theme === th}
              @change=${() => { s.updateSettings({ theme: th }) }}>${t(th === 'system' ? 'themeSystem' : th === 'light' ? 'themeLight' : 'themeDark')}</label>`)}
          </fieldset>
          <div class="field">
            <label for="lang">${t('language')}</label>
            <select id="lang" @change=${(e: Event) => { s.updateSettings({ locale: (e.target as HTMLSelectElement).value as Locale }) }}>
              ${LOCALES.map((l) => html`<option value=${l} ?selected=${(s.settings.locale ?? document.documentElement.lang) === l} lang=${l}>${LANGUAGE_NAMES[l]}</option>`)}
            </select>
          </div>
        </section>

        <section aria-labelledby="s-notify">
          <h2 id="s-notify">${t('notifications')}</h2>
          <label class="check"><input type="checkbox" .checked=${s.settings.notifications} @change=${this.#toggleNotifications}>${t('notifyNewMessages')}</label>
          ${typeof Notification !== 'undefined' && Notification.permission === 'denied' ? html`<p class="muted">${t('notifyDenied')}</p>` : ''}
        </section>

        <section aria-labelledby="s-relays">
          <h2 id="s-relays">${t('relays')}</h2>
          <div class="field">
            <label for="relays">${t('relays')}</label>
            <textarea id="relays" aria-describedby="relays-hint" spellcheck="false" .value=${s.settings.relays.join('\n')}></textarea>
            <p class="muted" id="relays-hint">${t('relaysHint')}</p>
          </div>
          <div class="row"><button @click=${this.#saveRelays}>${t('saveRelays')}</button><span role="status">${this.status.relays ?? ''}</span></div>
          <div class="field">
            <label for="ice-servers">${t('iceServers')}</label>
            <textarea id="ice-servers" aria-describedby="ice-hint" spellcheck="false" .value=${s.settings.iceServers.join('\n')}></textarea>
            <p class="muted" id="ice-hint">${t('iceServersHint')}</p>
          </div>
          <div class="row"><button @click=${this.#saveIceServers}>${t('saveIceServers')}</button><span role="status">${this.status.ice ?? ''}</span></div>
          <label class="check"><input type="checkbox" aria-describedby="direct-hint" .checked=${s.settings.directConnections}
            @change=${(e: Event) => { this.store.updateSettings({ directConnections: (e.target as HTMLInputElement).checked }); this.#setStatus('ice', 'relaysSaved') }}>${t('directConnections')}</label>
          <p class="muted" id="direct-hint">${t('directConnectionsHint')}</p>
        </section>

        <section aria-labelledby="s-backup">
          <h2 id="s-backup">${t('backup')}</h2>
          <p>${t('backupExplain')}</p>
          <div class="row"><button aria-expanded=${this.words !== undefined ? 'true' : 'false'} @click=${() => { void this.#toggleWords() }}>
            ${this.words !== undefined ? t('hideWords') : t('showWords')}</button></div>
          ${this.words !== undefined ? html`<ol class="words" aria-label=${t('recoveryWords')}>${this.words.split(' ').map((w) => html`<li>${w}</li>`)}</ol>` : ''}
          <div class="field">
            <label for="kf-pass">${t('keyFilePassphrase')}</label>
            <input id="kf-pass" type="password" autocomplete="new-password" aria-describedby="kf-hint">
            <p class="muted" id="kf-hint">${t('keyFilePassphraseHint')}</p>
          </div>
          <div class="row"><button ?disabled=${this.busy} @click=${() => { void this.#downloadKeyFile() }}>${t('downloadKeyFile')}</button>
            <span role="status">${this.status.keyfile ?? ''}</span></div>
        </section>

        <cs-linked-devices .store=${s}></cs-linked-devices>

        ${this.#historySection()}

        <section aria-labelledby="s-about">
          <h2 id="s-about">${t('about')}</h2>
          <p>${t('aboutText')}</p>
        </section>
      </div>
    `
  }

  #historySection (): unknown {
    const backend = this.store.backend
    if (backend === undefined) return ''
    const rooms = backend.rooms()
    return html`
      <section aria-labelledby="s-history">
        <h2 id="s-history">${t('roomHistory')}</h2>
        <p>${t('roomHistoryExplain')}</p>
        <p>${t('archiveSecret')}</p>
        <div class="field">
          <label for="h-room">${t('chooseRoom')}</label>
          <select id="h-room">${rooms.map((r) => html`<option value=${r.id}>${r.name}</option>`)}</select>
        </div>
        <div class="row">
          <button ?disabled=${rooms.length === 0} @click=${() => { void this.#exportHistory() }}>${t('exportHistory')}</button>
          <label class="file-label">${t('importHistory')}<input type="file" accept=".chatsphere-room,application/octet-stream" @change=${this.#importHistory}></label>
          <span role="status">${this.status.history ?? ''}</span>
        </div>
      </section>
    `
  }

  #setStatus (section: string, key: MessageKey | string, raw = false): void {
    this.status = { ...this.status, [section]: raw ? key : t(key as MessageKey) }
  }

  async #pickAvatar (e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0]
    if (file === undefined) return
    try { this.avatar = await avatarFromFile(file) } catch { this.#setStatus('profile', 'errImage') }
  }

  async #saveProfile (): Promise<void> {
    const name = this.name.trim()
    if (name === '') { this.#setStatus('profile', 'errNameRequired'); return }
    await this.store.saveProfile({ name, ...(this.avatar !== undefined ? { avatar: this.avatar } : {}) })
    this.#setStatus('profile', 'saved')
  }

  async #toggleNotifications (e: Event): Promise<void> {
    const on = (e.target as HTMLInputElement).checked
    if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') await Notification.requestPermission()
    this.store.updateSettings({ notifications: on })
  }

  #saveRelays (): void {
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('#relays')?.value ?? ''
    const relays = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/'))
    this.store.updateSettings({ relays })
    this.#setStatus('relays', 'relaysSaved')
  }

  #saveIceServers (): void {
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('#ice-servers')?.value ?? ''
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => parseIceServers([l]).length === 1)
    this.store.updateSettings({ iceServers: lines })
    this.#setStatus('ice', 'relaysSaved')
  }

  async #toggleWords (): Promise<void> {
    if (this.words !== undefined || this.store.identity === undefined) { this.words = undefined; return }
    const { wordsOf } = await import('../core/backup.ts')
    this.words = wordsOf(this.store.identity)
  }

  async #downloadKeyFile (): Promise<void> {
    const pass = this.renderRoot.querySelector<HTMLInputElement>('#kf-pass')?.value ?? ''
    if (pass.length < MIN_PASSPHRASE_CHARS) { this.#setStatus('keyfile', 'errPassphrase'); return }
    if (this.store.identity === undefined) return
    this.busy = true
    this.#setStatus('keyfile', 'working')
    try {
      const { keyFileOf } = await import('../core/backup.ts')
      downloadBytes(await keyFileOf(this.store.identity, pass), 'chatsphere-identity.chatsphere-key', 'application/octet-stream')
      this.#setStatus('keyfile', 'done')
    } finally {
      this.busy = false
    }
  }

  async #exportHistory (): Promise<void> {
    const backend = this.store.backend
    const roomId = this.renderRoot.querySelector<HTMLSelectElement>('#h-room')?.value
    if (backend === undefined || roomId === undefined || roomId === '') return
    const name = backend.rooms().find((r) => r.id === roomId)?.name ?? 'room'
    downloadBytes(await backend.exportRoom(roomId), `${name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 40)}.chatsphere-room`, 'application/octet-stream')
    this.#setStatus('history', 'done')
  }

  async #importHistory (e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0]
    const input = e.target as HTMLInputElement
    const backend = this.store.backend
    if (file === undefined || backend === undefined) return
    try {
      const room = await backend.importRoom(new Uint8Array(await file.arrayBuffer()))
      this.#setStatus('history', room.rejected > 0
        ? t('errArchiveRejected', { room: room.name, count: room.rejected })
        : t('importedRoom', { room: room.name, count: room.added }), true)
    } catch {
      // The core's reason is for developers (dropped() counts it); people get one clear sentence.
      this.#setStatus('history', 'errArchive')
    } finally {
      input.value = ''
    }
  }

  #emit (name: string): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }))
  }
}

customElements.define('cs-settings', CsSettings)

declare global {
  interface HTMLElementTagNameMap { 'cs-settings': CsSettings }
}
