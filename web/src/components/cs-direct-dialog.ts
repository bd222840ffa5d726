import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconCopy } from '../lib/icons.ts'
import './cs-qr-code.ts'

/**
 * Start a direct conversation: paste a user id or contact link; below, our own contact link as text and QR code so
 * the other person can start it from their side. Emits `open-room` (detail: room id) once the room is open.
 */
export class CsDirectDialog extends LitElement {
  static override properties = {
    store: { attribute: false },
    error: { state: true },
    busy: { state: true },
    link: { state: true },
    copied: { state: true }
  }

  declare store: AppStore
  declare error: string
  declare busy: boolean
  declare link: string
  declare copied: boolean

  constructor () {
    super()
    this.error = ''
    this.busy = false
    this.link = ''
    this.copied = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    form { display: grid; gap: var(--cs-space-4); }
    .actions { display: flex; justify-content: flex-end; gap: var(--cs-space-2); flex-wrap: wrap; }
    cs-qr-code { width: min(200px, 60vw); margin: 0 auto; }
    input.mono { font-family: var(--cs-font-mono); font-size: .85rem; }
    section { display: grid; gap: var(--cs-space-3); border-top: 1px solid var(--cs-border); padding-top: var(--cs-space-4); }
    h3 { margin: 0; font-size: 1rem; }
    p { margin: 0; }
  `]

  show (): void {
    this.error = ''
    this.copied = false
    const input = this.renderRoot.querySelector<HTMLInputElement>('#dm-ref')
    if (input !== null) input.value = ''
    this.renderRoot.querySelector('dialog')?.showModal()
    input?.focus()
    void this.store.backend?.contacts.contactLink().then((l) => { this.link = l })
  }

  close (): void { this.renderRoot.querySelector('dialog')?.close() }

  override render (): unknown {
    return html`
      <dialog aria-labelledby="dm-title">
        <form method="dialog" @submit=${this.#submit}>
          <h2 id="dm-title">${t('directTitle')}</h2>
          <p class="muted">${t('directExplain')}</p>
          <div class="field">
            <label for="dm-ref">${t('directRef')}</label>
            <input id="dm-ref" class="mono" type="text" autocomplete="off" spellcheck="false" aria-describedby="dm-err">
            <p id="dm-err" class="error" role="alert">${this.error}</p>
          </div>
          <div class="actions">
            <button type="button" @click=${() => { this.close() }}>${t('cancel')}</button>
            <button type="submit" class="primary" ?disabled=${this.busy}>${t('startDirect')}</button>
          </div>
          <section aria-labelledby="dm-mine">
            <h3 id="dm-mine">${t('yourContactLink')}</h3>
            <p class="muted">${t('contactLinkExplain')}</p>
            ${this.link !== '' ? html`<cs-qr-code .value=${this.link} .label=${t('contactQrLabel')}></cs-qr-code>` : ''}
            <div class="field">
              <label for="dm-link">${t('yourContactLink')}</label>
              <input id="dm-link" class="mono" type="text" readonly .value=${this.link} @focus=${(e: Event) => { (e.target as HTMLInputElement).select() }}>
            </div>
            <p role="status" class="muted">${this.copied ? t('copied') : ''}</p>
            <div class="actions"><button type="button" @click=${() => { void this.#copy() }}>${iconCopy}${t('copyContactLink')}</button></div>
          </section>
        </form>
      </dialog>
    `
  }

  async #submit (e: SubmitEvent): Promise<void> {
    e.preventDefault()
    const ref = this.renderRoot.querySelector<HTMLInputElement>('#dm-ref')?.value.trim() ?? ''
    if (ref === '') { this.error = t('errDirect', { error: t('directRef') }); return }
    this.busy = true
    try {
      const room = await this.store.openDirect(ref)
      this.close()
      this.dispatchEvent(new CustomEvent('open-room', { detail: room.id, bubbles: true, composed: true }))
      this.dispatchEvent(new CustomEvent('compose', { bubbles: true, composed: true }))
    } catch (err) {
      this.error = t('errDirect', { error: err instanceof Error ? err.message : String(err) })
    } finally {
      this.busy = false
    }
  }

  async #copy (): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.link)
    } catch {
      const input = this.renderRoot.querySelector<HTMLInputElement>('#dm-link')
      input?.focus()
      input?.select()
    }
    this.copied = true
  }
}

customElements.define('cs-direct-dialog', CsDirectDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-direct-dialog': CsDirectDialog }
}
