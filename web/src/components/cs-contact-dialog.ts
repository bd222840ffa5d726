import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import type { Contact } from '../core/contacts.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import './cs-qr-code.ts'
import './cs-avatar.ts'

/**
 * The verification screen of one person: name, user id, fingerprint, the 60-digit safety number (text and QR),
 * verified mark, key-change and same-name warnings, "Mark as verified", and "Message" when there is no direct room
 * yet. Emits `open-room` (detail: room id) and `compose` after Message.
 */
export class CsContactDialog extends LitElement {
  static override properties = {
    store: { attribute: false },
    userId: { state: true },
    contact: { state: true },
    error: { state: true },
    busy: { state: true }
  }

  declare store: AppStore
  declare userId: string
  declare contact: Contact | undefined
  declare error: string
  declare busy: boolean

  constructor () {
    super()
    this.userId = ''
    this.error = ''
    this.busy = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    .content { display: grid; gap: var(--cs-space-4); }
    .who { display: flex; align-items: center; gap: var(--cs-space-3); }
    .who h2 { margin: 0; font-size: 1.2rem; overflow-wrap: anywhere; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: var(--cs-space-1) var(--cs-space-3); margin: 0; }
    dt { color: var(--cs-text-muted); font-size: .9rem; }
    dd { margin: 0; font-family: var(--cs-font-mono); font-size: .85rem; overflow-wrap: anywhere; }
    .safety { font-family: var(--cs-font-mono); font-size: 1.05rem; letter-spacing: .04em; display: grid;
      grid-template-columns: repeat(4, max-content); gap: var(--cs-space-1) var(--cs-space-3); justify-content: center; margin: 0; }
    cs-qr-code { width: min(200px, 60vw); margin: 0 auto; }
    .status { font-weight: 650; margin: 0; }
    .status.ok { color: var(--cs-success, var(--cs-text)); }
    .warn { margin: 0; padding: var(--cs-space-2) var(--cs-space-3); border-radius: var(--cs-radius-small); background: var(--cs-accent-soft);
      border-left: 4px solid var(--cs-danger, currentColor); }
    .actions { display: flex; justify-content: flex-end; gap: var(--cs-space-2); flex-wrap: wrap; }
    h3 { margin: 0; font-size: 1rem; text-align: center; }
    p { margin: 0; }
  `]

  /** Opens the screen for `userId`. */
  show (userId: string): void {
    this.userId = userId
    this.error = ''
    this.#refresh()
    this.renderRoot.querySelector('dialog')?.showModal()
  }

  close (): void { this.renderRoot.querySelector('dialog')?.close() }

  #refresh (): void {
    this.contact = this.store.backend?.contacts.contact(this.userId)
  }

  override render (): unknown {
    const c = this.contact
    const name = c?.name ?? this.store.backend?.person(this.userId)?.name ?? this.userId.slice(0, 10)
    const groups = c?.safetyNumber?.split(' ') ?? []
    return html`
      <dialog aria-labelledby="ct-title">
        <div class="content">
          <div class="who">
            <cs-avatar .name=${name} .userId=${this.userId} .src=${c?.avatar} size="48"></cs-avatar>
            <h2 id="ct-title">${t('verifyTitle', { name })}</h2>
          </div>
          ${c?.keyChanged === true ? html`<p class="warn" role="alert">${t('keyChanged', { name })}</p>` : ''}
          ${c?.sameNameAs !== undefined ? html`<p class="warn" role="alert">${t('sameName', { name })}</p>` : ''}
          <p class="status ${c?.verified === true ? 'ok' : ''}">${c?.verified === true ? `✓ ${t('verified')}` : t('notVerified')}</p>
          ${c?.safetyNumber !== undefined
            ? html`
              <p class="muted">${t('verifyExplain', { name })}</p>
              <h3>${t('safetyNumber')}</h3>
              <p class="safety" data-safety-number=${c.safetyNumber}>${groups.map((g) => html`<span>${g}</span>`)}</p>
              <cs-qr-code .value=${`chatsphere-safety:1:${c.safetyNumber.replaceAll(' ', '')}`} .label=${t('safetyQrLabel')}></cs-qr-code>`
            : html`<p class="muted">${t('noKeyYet')}</p>`}
          <dl>
            <dt>${t('userIdLabel')}</dt><dd>${this.userId}</dd>
            ${c !== undefined ? html`<dt>${t('fingerprintLabel')}</dt><dd>${c.fingerprint}</dd>` : ''}
          </dl>
          <p class="error" role="alert">${this.error}</p>
          <div class="actions">
            ${c?.safetyNumber !== undefined && c.directRoom === undefined
              ? html`<button @click=${() => { void this.#message() }} ?disabled=${this.busy}>${t('messagePerson', { name })}</button>` : ''}
            ${c?.safetyNumber !== undefined && (c.verified !== true)
              ? html`<button class="primary" @click=${() => { void this.#verify() }} ?disabled=${this.busy}>${t('markVerified')}</button>` : ''}
            <button @click=${() => { this.close() }}>${t('close')}</button>
          </div>
        </div>
      </dialog>
    `
  }

  async #verify (): Promise<void> {
    const contacts = this.store.backend?.contacts
    if (contacts === undefined) return
    this.busy = true
    try {
      this.contact = await contacts.verify(this.userId)
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err)
    } finally {
      this.busy = false
    }
  }

  async #message (): Promise<void> {
    this.busy = true
    try {
      const room = await this.store.openDirect(this.userId)
      this.close()
      this.dispatchEvent(new CustomEvent('open-room', { detail: room.id, bubbles: true, composed: true }))
      this.dispatchEvent(new CustomEvent('compose', { bubbles: true, composed: true }))
    } catch (err) {
      this.error = t('errDirect', { error: err instanceof Error ? err.message : String(err) })
    } finally {
      this.busy = false
    }
  }
}

customElements.define('cs-contact-dialog', CsContactDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-contact-dialog': CsContactDialog }
}
