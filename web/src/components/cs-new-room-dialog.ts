import { LitElement, css, html } from 'lit'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'

/** Modal asking for a room name. Emits `create-room` (detail: name); the parent creates it. */
export class CsNewRoomDialog extends LitElement {
  static override properties = {
    error: { state: true },
    busy: { state: true }
  }

  declare error: string
  declare busy: boolean

  constructor () {
    super()
    this.error = ''
    this.busy = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    form { display: grid; gap: var(--cs-space-4); }
    .actions { display: flex; justify-content: flex-end; gap: var(--cs-space-2); }
  `]

  show (): void {
    this.error = ''
    const dialog = this.renderRoot.querySelector('dialog')
    const input = this.renderRoot.querySelector<HTMLInputElement>('#room-name')
    if (input !== null) input.value = ''
    dialog?.showModal()
    input?.focus()
  }

  close (): void { this.renderRoot.querySelector('dialog')?.close() }

  override render (): unknown {
    return html`
      <dialog aria-labelledby="nr-title">
        <form method="dialog" @submit=${this.#submit}>
          <h2 id="nr-title">${t('newRoomTitle')}</h2>
          <div class="field">
            <label for="room-name">${t('roomName')}</label>
            <input id="room-name" type="text" maxlength="120" autocomplete="off" aria-describedby="nr-err">
            <p id="nr-err" class="error" role="alert">${this.error}</p>
          </div>
          <div class="actions">
            <button type="button" @click=${() => { this.close() }}>${t('cancel')}</button>
            <button type="submit" class="primary" ?disabled=${this.busy}>${t('create')}</button>
          </div>
        </form>
      </dialog>
    `
  }

  #submit (e: SubmitEvent): void {
    e.preventDefault()
    const name = this.renderRoot.querySelector<HTMLInputElement>('#room-name')?.value.trim() ?? ''
    if (name === '') { this.error = t('errRoomName'); return }
    this.dispatchEvent(new CustomEvent('create-room', { detail: name, bubbles: true, composed: true }))
  }
}

customElements.define('cs-new-room-dialog', CsNewRoomDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-new-room-dialog': CsNewRoomDialog }
}
