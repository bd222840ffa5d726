import { LitElement, css, html } from 'lit'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconCopy } from '../lib/icons.ts'
import './cs-qr-code.ts'

/** Shows a room's invite link as text and QR code, with a copy button. */
export class CsInviteDialog extends LitElement {
  static override properties = {
    link: {},
    roomName: {},
    copied: { state: true },
    opened: { state: true }
  }

  declare link: string
  declare roomName: string
  declare copied: boolean
  /** The QR code is made (and its encoder loaded) on first opening, not with every chat view. */
  declare opened: boolean

  constructor () {
    super()
    this.link = ''
    this.roomName = ''
    this.copied = false
    this.opened = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    .content { display: grid; gap: var(--cs-space-4); }
    cs-qr-code { width: min(240px, 70vw); margin: 0 auto; }
    .actions { display: flex; justify-content: flex-end; gap: var(--cs-space-2); flex-wrap: wrap; }
    p { margin: 0; }
    input { font-family: var(--cs-font-mono); font-size: .85rem; }
  `]

  show (): void {
    this.copied = false
    this.opened = true
    this.renderRoot.querySelector('dialog')?.showModal()
    this.renderRoot.querySelector<HTMLInputElement>('#invite-link')?.select()
  }

  override render (): unknown {
    return html`
      <dialog aria-labelledby="inv-title">
        <div class="content">
          <h2 id="inv-title">${t('inviteTitle', { room: this.roomName })}</h2>
          <p class="muted">${t('inviteExplain')}</p>
          <cs-qr-code .value=${this.opened ? this.link : ''} .label=${t('qrCodeLabel')}></cs-qr-code>
          <div class="field">
            <label for="invite-link">${t('inviteLink')}</label>
            <input id="invite-link" type="text" readonly .value=${this.link} @focus=${(e: Event) => { (e.target as HTMLInputElement).select() }}>
          </div>
          <p role="status" class="muted">${this.copied ? t('copied') : ''}</p>
          <div class="actions">
            <button class="primary" @click=${() => { void this.#copy() }}>${iconCopy}${t('copyInviteLink')}</button>
            <button @click=${() => { this.renderRoot.querySelector('dialog')?.close() }}>${t('close')}</button>
          </div>
        </div>
      </dialog>
    `
  }

  async #copy (): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.link)
    } catch {
      // Clipboard permission refused: leave the link selected so Ctrl+C works.
      const input = this.renderRoot.querySelector<HTMLInputElement>('#invite-link')
      input?.focus()
      input?.select()
    }
    this.copied = true
    this.dispatchEvent(new CustomEvent('invite-copied', { detail: this.link, bubbles: true, composed: true }))
  }
}

customElements.define('cs-invite-dialog', CsInviteDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-invite-dialog': CsInviteDialog }
}
