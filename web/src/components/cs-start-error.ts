import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'

/**
 * What the app shows when it cannot start: for a storage failure (this browser lost or cannot open its local data)
 * a plain explanation with "Try again", "Restore identity" and "Start over"; for any other error its message and
 * "Try again". Never a blank page.
 */
export class CsStartError extends LitElement {
  static override properties = {
    store: { attribute: false },
    confirming: { state: true }
  }

  declare store: AppStore
  declare confirming: boolean

  constructor () {
    super()
    this.confirming = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: block; min-height: 100%; overflow: auto; }
    .page { max-width: 640px; margin: 0 auto; padding: var(--cs-space-6) var(--cs-space-4); display: grid; gap: var(--cs-space-4); }
    h1 { font-size: clamp(1.4rem, 4vw, 1.9rem); }
    h1:focus { outline: none; }
    h1:focus-visible { outline: 3px solid var(--cs-focus); outline-offset: 2px; }
    .message { display: grid; gap: var(--cs-space-4); }
    p { margin: 0; }
    .detail { font-family: var(--cs-font-mono); font-size: .9rem; color: var(--cs-text-muted); overflow-wrap: anywhere; }
    .actions { display: flex; gap: var(--cs-space-3); flex-wrap: wrap; }
    .confirm { background: var(--cs-surface-2); border: 1px solid var(--cs-border); border-radius: var(--cs-radius);
      padding: var(--cs-space-4); display: grid; gap: var(--cs-space-3); }
  `]

  override firstUpdated (): void {
    // Screen reader and keyboard users land on what happened, not on the first button.
    this.renderRoot.querySelector<HTMLElement>('h1')?.focus()
  }

  override render (): unknown {
    const storage = this.store.errorKind === 'storage'
    return html`
      <div class="page">
        <div class="message" role="alert" aria-labelledby="err-h">
        <h1 id="err-h" tabindex="-1">${storage ? t('storageErrorTitle') : t('startErrorTitle')}</h1>
        ${storage
          ? html`<p>${t('storageErrorBody')}</p><p>${t('storageErrorRelays')}</p><p>${t('storageErrorRestore')}</p>`
          : html`<p>${t('startErrorBody')}</p>`}
        ${this.store.error !== undefined && this.store.error !== '' ? html`<p class="detail">${t('startErrorDetail', { error: this.store.error })}</p>` : ''}
        </div>
        <div class="actions">
          <button class="primary" @click=${() => { location.reload() }}>${t('tryAgain')}</button>
          ${storage
            ? html`
              <button @click=${() => { this.store.recover('restore') }}>${t('restoreIdentity')}</button>
              <button class="danger" aria-expanded=${this.confirming ? 'true' : 'false'} aria-controls="confirm"
                @click=${() => { this.#askStartOver() }}>${t('startOver')}</button>`
            : ''}
        </div>
        ${storage && this.confirming ? this.#confirm() : ''}
      </div>
    `
  }

  #confirm (): unknown {
    return html`
      <section class="confirm" id="confirm" aria-labelledby="confirm-h">
        <h2 id="confirm-h" tabindex="-1">${t('startOverConfirmTitle')}</h2>
        <p>${t('startOverConfirmBody')}</p>
        <div class="actions">
          <button class="danger" @click=${() => { this.store.recover('new') }}>${t('startOverConfirm')}</button>
          <button @click=${() => { this.confirming = false }}>${t('cancel')}</button>
        </div>
      </section>
    `
  }

  #askStartOver (): void {
    this.confirming = !this.confirming
    if (this.confirming) void this.updateComplete.then(() => { this.renderRoot.querySelector<HTMLElement>('#confirm-h')?.focus() })
  }
}

customElements.define('cs-start-error', CsStartError)

declare global {
  interface HTMLElementTagNameMap { 'cs-start-error': CsStartError }
}
