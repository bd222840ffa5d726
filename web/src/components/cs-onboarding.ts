import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import type { MessageKey } from '../i18n/en.ts'
import { sharedStyles } from '../styles/shared.ts'
import { avatarFromFile } from '../lib/avatar-image.ts'
import type { DeviceIdentity } from '../core/identity.ts'
import './cs-avatar.ts'

/**
 * How long after the page's load event the rest of the app starts loading: right after it, the first input (or a test
 * driver's first look at the page) should not wait for the evaluation of the preloaded chunks (P11 measured a later
 * first fill when preloading at once).
 */
const PRELOAD_DELAY_MS = 200

/** First screen: create an identity (name + optional avatar) or restore one from 24 words or a key file. */
export class CsOnboarding extends LitElement {
  static override properties = {
    store: { attribute: false },
    name: { state: true },
    avatar: { state: true },
    restoreOpen: { state: true },
    busy: { state: true },
    errorKey: { state: true },
    restoreErrorKey: { state: true }
  }

  declare store: AppStore
  declare name: string
  declare avatar: string | undefined
  declare restoreOpen: boolean
  declare busy: boolean
  declare errorKey: MessageKey | undefined
  /** Why restoring failed: shown in the restore card, next to the button pressed (the create card can be off screen). */
  declare restoreErrorKey: MessageKey | undefined
  /** A new identity derived ahead of "Create identity" (used once). */
  #prepared: DeviceIdentity | undefined

  constructor () {
    super()
    this.name = ''
    this.restoreOpen = false
    this.busy = false
    new LocaleController(this)
  }

  override connectedCallback (): void {
    super.connectedCallback()
    // Arriving from the error screen's "Restore identity": the restore form is open at once.
    if (this.store?.onboardingRestore === true) this.restoreOpen = true
  }

  override firstUpdated (): void {
    // Fetch what comes next (identity code, the peer, the messenger screens) while the person reads and types, so
    // pressing "Create identity" waits for none of it. libp2p is most of the client's bytes. Started after the page's
    // load event, so these fetches never hold that event back.
    const preload = (): void => {
      void import('../core/identity.ts').then(({ newIdentity }) => {
        // A new identity is random and does not depend on what is typed: its keys are derived now, not on the click.
        if (this.#prepared === undefined && this.isConnected) this.#prepared = newIdentity()
      })
      void import('../core/chat-backend.ts')
      void import('./cs-room-list.ts')
      void import('./cs-chat-view.ts')
    }
    if (document.readyState === 'complete') setTimeout(preload, PRELOAD_DELAY_MS)
    else window.addEventListener('load', () => { setTimeout(preload, PRELOAD_DELAY_MS) }, { once: true })
  }

  static override styles = [sharedStyles, css`
    :host { display: block; min-height: 100%; overflow: auto; }
    .page { max-width: 980px; margin: 0 auto; padding: var(--cs-space-6) var(--cs-space-4); display: grid; gap: var(--cs-space-5); }
    header { display: flex; gap: var(--cs-space-4); align-items: center; }
    header img { width: 56px; height: 56px; }
    h1 { font-size: clamp(1.6rem, 4vw, 2.2rem); }
    .lead { margin: var(--cs-space-1) 0 0; color: var(--cs-text-muted); font-size: 1.1rem; }
    .grid { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: var(--cs-space-5); align-items: start; }
    @media (max-width: 760px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    input[type="file"] { max-width: 100%; }
    section.card { background: var(--cs-surface); border: 1px solid var(--cs-border); border-radius: var(--cs-radius);
      padding: var(--cs-space-5); display: grid; gap: var(--cs-space-4); box-shadow: var(--cs-shadow); }
    h2 { font-size: 1.2rem; }
    .hint { font-size: .9rem; color: var(--cs-text-muted); margin: 0; }
    .avatar-row { display: flex; gap: var(--cs-space-3); align-items: center; }
    .file-label { display: inline-flex; align-items: center; min-height: 40px; padding: 0 var(--cs-space-4); border-radius: 999px;
      border: 1px solid var(--cs-border); cursor: pointer; font-weight: 600; }
    .file-label:focus-within { outline: 3px solid var(--cs-focus); outline-offset: 2px; }
    .file-label input { position: absolute; opacity: 0; width: 1px; height: 1px; }
    .col { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-4); }
    .actions { display: flex; gap: var(--cs-space-3); flex-wrap: wrap; }
    .explain ul { margin: 0; padding-left: 1.2em; display: grid; gap: var(--cs-space-2); }
    .explain { background: var(--cs-surface-2); }
    .invite { background: var(--cs-accent-soft); border-radius: var(--cs-radius); padding: var(--cs-space-3) var(--cs-space-4); margin: 0; }
    textarea { min-height: 96px; resize: vertical; font-family: var(--cs-font-mono); }
    .divider { text-align: center; color: var(--cs-text-muted); }
  `]

  override render (): unknown {
    const invite = this.store.pendingInviteName
    return html`
      <div class="page">
        <header>
          <img src="/icon.svg" alt="">
          <div>
            <h1>${t('onboardingTitle')}</h1>
            <p class="lead">${t('onboardingLead')}</p>
          </div>
        </header>
        ${invite !== undefined ? html`<p class="invite" role="status">${t('pendingInvite', { room: invite })}</p>` : ''}
        <div class="grid">
          <div class="col">
            <section class="card" aria-labelledby="create-h">
              <h2 id="create-h">${t('createTitle')}</h2>
              <div class="field">
                <label for="name">${t('displayName')}</label>
                <input id="name" type="text" autocomplete="nickname" maxlength="64" .value=${this.name}
                  aria-describedby="name-hint ${this.errorKey !== undefined ? 'err' : ''}"
                  @input=${(e: Event) => { this.name = (e.target as HTMLInputElement).value; this.errorKey = undefined }}
                  @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') void this.#create() }}>
                <p class="hint" id="name-hint">${t('displayNameHint')}</p>
              </div>
              <div class="field">
                <span id="avatar-l">${t('avatarOptional')}</span>
                <div class="avatar-row">
                  <cs-avatar .name=${this.name || '?'} .src=${this.avatar} size="48"></cs-avatar>
                  <label class="file-label">${t('chooseImage')}
                    <input type="file" aria-describedby="avatar-l" accept="image/png,image/jpeg,image/webp,image/gif" @change=${this.#pickAvatar}>
                  </label>
                  ${this.avatar !== undefined ? html`<button class="ghost" @click=${() => { this.avatar = undefined }}>${t('removeAvatar')}</button>` : ''}
                </div>
              </div>
              ${this.errorKey !== undefined ? html`<p id="err" class="error" role="alert">${t(this.errorKey)}</p>` : ''}
              <div class="actions">
                <button class="primary" ?disabled=${this.busy} @click=${() => { void this.#create() }}>${t('createIdentity')}</button>
                <button aria-expanded=${this.restoreOpen ? 'true' : 'false'} aria-controls="restore"
                  @click=${() => { this.restoreOpen = !this.restoreOpen }}>${t('restoreIdentity')}</button>
              </div>
            </section>
            ${this.restoreOpen ? this.#restoreCard() : ''}
          </div>
          <section class="card explain" aria-labelledby="how-h">
            <h2 id="how-h">${t('onboardingHowTitle')}</h2>
            <ul>
              <li>${t('onboardingHow1')}</li>
              <li>${t('onboardingHow2')}</li>
              <li>${t('onboardingHow3')}</li>
            </ul>
          </section>
        </div>
      </div>
    `
  }

  #restoreCard (): unknown {
    return html`
      <section class="card" id="restore" aria-labelledby="restore-h">
        <h2 id="restore-h">${t('restoreTitle')}</h2>
        <div class="field">
          <label for="words">${t('recoveryWords')}</label>
          <textarea id="words" autocomplete="off" autocapitalize="off" spellcheck="false"
            aria-describedby="words-hint ${this.restoreErrorKey !== undefined ? 'restore-err' : ''}" @input=${() => { this.restoreErrorKey = undefined }}></textarea>
          <p class="hint" id="words-hint">${t('recoveryWordsHint')}</p>
        </div>
        ${this.#restoreError(true)}
        <div class="actions"><button ?disabled=${this.busy} @click=${() => { void this.#restoreWords() }}>${t('restoreFromWords')}</button></div>
        <p class="divider">${t('orDivider')}</p>
        <div class="field">
          <label for="keyfile">${t('keyFile')}</label>
          <input id="keyfile" type="file" accept=".json,.chatsphere-key,application/json,application/octet-stream">
        </div>
        <div class="field">
          <label for="pass">${t('passphrase')}</label>
          <input id="pass" type="password" autocomplete="current-password">
        </div>
        ${this.#restoreError(false)}
        <div class="actions"><button ?disabled=${this.busy} @click=${() => { void this.#restoreFile() }}>${t('restoreFromKeyFile')}</button></div>
        <p class="divider">${t('orDivider')}</p>
        <p>${t('linkFromDeviceExplain')}</p>
        <div class="actions"><button ?disabled=${this.busy} @click=${() => { void this.#linkFromDevice() }}>${t('linkFromDevice')}</button></div>
      </section>
    `
  }

  /** The restore error, above the button of the way that failed (words, or key file). */
  #restoreError (words: boolean): unknown {
    const key = this.restoreErrorKey
    if (key === undefined || (key === 'errInvalidWords') !== words) return ''
    return html`<p id="restore-err" class="error" role="alert">${t(key)}</p>`
  }

  async #pickAvatar (e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0]
    if (file === undefined) return
    try {
      this.avatar = await avatarFromFile(file)
      this.errorKey = undefined
    } catch {
      this.errorKey = 'errImage'
    }
  }

  #profile (): { name: string, avatar?: string } | undefined {
    const name = this.name.trim()
    if (name === '') {
      this.errorKey = 'errNameRequired'
      this.renderRoot.querySelector<HTMLInputElement>('#name')?.focus()
      return undefined
    }
    return { name, ...(this.avatar !== undefined ? { avatar: this.avatar } : {}) }
  }

  async #create (): Promise<void> {
    const profile = this.#profile()
    if (profile === undefined) return
    let identity = this.#prepared
    this.#prepared = undefined
    if (identity === undefined) identity = (await import('../core/identity.ts')).newIdentity()
    await this.#adopt(identity, profile)
  }

  async #restoreWords (): Promise<void> {
    this.restoreErrorKey = undefined
    const profile = this.#profile()
    if (profile === undefined) return
    const words = this.renderRoot.querySelector<HTMLTextAreaElement>('#words')?.value ?? ''
    this.busy = true
    try {
      const { identityFromWords } = await import('../core/backup.ts')
      await this.#adopt(identityFromWords(words), profile)
    } catch {
      this.restoreErrorKey = 'errInvalidWords'
    } finally {
      this.busy = false
    }
  }

  async #restoreFile (): Promise<void> {
    this.restoreErrorKey = undefined
    const profile = this.#profile()
    if (profile === undefined) return
    const file = this.renderRoot.querySelector<HTMLInputElement>('#keyfile')?.files?.[0]
    const pass = this.renderRoot.querySelector<HTMLInputElement>('#pass')?.value ?? ''
    if (file === undefined) { this.restoreErrorKey = 'errBadKeyFile'; return }
    this.busy = true
    try {
      const { identityFromKeyFile } = await import('../core/backup.ts')
      await this.#adopt(await identityFromKeyFile(new Uint8Array(await file.arrayBuffer()), pass), profile)
    } catch (err) {
      this.restoreErrorKey = (err as Error).name === 'WrongPassphraseError' ? 'errWrongPassphrase' : 'errBadKeyFile'
    } finally {
      this.busy = false
    }
  }

  /** A placeholder identity runs the peer until another device links this browser (settings show the code). */
  async #linkFromDevice (): Promise<void> {
    const { newIdentity } = await import('../core/identity.ts')
    this.store.pendingLinkOffer = true
    await this.#adopt(newIdentity(), { name: t('newDeviceName') })
  }

  async #adopt (identity: DeviceIdentity, profile: { name: string, avatar?: string }): Promise<void> {
    this.busy = true
    try {
      await this.store.adoptIdentity(identity, profile)
    } finally {
      this.busy = false
    }
  }
}

customElements.define('cs-onboarding', CsOnboarding)

declare global {
  interface HTMLElementTagNameMap { 'cs-onboarding': CsOnboarding }
}
