import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import './cs-avatar.ts'

/**
 * The people of a room (from their signed profiles), each with "Message" (opens the direct room) and "Safety
 * number" (emits `verify-person`, detail: user id). Emits `open-room` (detail: room id) and `compose` after Message.
 */
export class CsPeopleDialog extends LitElement {
  static override properties = {
    store: { attribute: false },
    roomId: { attribute: false },
    roomName: {},
    error: { state: true }
  }

  declare store: AppStore
  declare roomId: string
  declare roomName: string
  declare error: string

  constructor () {
    super()
    this.roomName = ''
    this.error = ''
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    .content { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-4); min-width: min(420px, 100%); }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--cs-space-2); max-height: 50vh; overflow-y: auto; }
    li { display: flex; align-items: center; gap: var(--cs-space-3); }
    .name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .mark { color: var(--cs-text-muted); font-size: .85rem; }
    .actions { display: flex; justify-content: flex-end; }
    p { margin: 0; }
  `]

  show (): void {
    this.error = ''
    this.requestUpdate()
    this.renderRoot.querySelector('dialog')?.showModal()
  }

  close (): void { this.renderRoot.querySelector('dialog')?.close() }

  override render (): unknown {
    const backend = this.store?.backend
    const me = backend?.me.userId
    const people = backend === undefined || this.roomId === undefined ? [] : backend.contacts.members(this.roomId).filter((m) => m.userId !== me)
    return html`
      <dialog aria-labelledby="pp-title">
        <div class="content">
          <h2 id="pp-title">${t('peopleTitle', { room: this.roomName })}</h2>
          ${people.length === 0 ? html`<p class="muted">${t('noPeopleYet')}</p>` : html`<ul>${people.map((p) => {
            const verified = backend?.contacts.contact(p.userId)?.verified === true
            return html`<li>
              <cs-avatar .name=${p.name} .userId=${p.userId} .src=${p.avatar}></cs-avatar>
              <span class="name">${p.name}${verified ? html` <span class="mark">✓ ${t('verified')}</span>` : ''}</span>
              <button @click=${() => { void this.#message(p.userId) }}>${t('messagePerson', { name: p.name })}</button>
              <button class="ghost" @click=${() => { this.close(); this.dispatchEvent(new CustomEvent('verify-person', { detail: p.userId, bubbles: true, composed: true })) }}>${t('verifyPerson', { name: p.name })}</button>
            </li>`
          })}</ul>`}
          <p class="error" role="alert">${this.error}</p>
          <div class="actions"><button @click=${() => { this.close() }}>${t('close')}</button></div>
        </div>
      </dialog>
    `
  }

  async #message (userId: string): Promise<void> {
    try {
      const room = await this.store.openDirect(userId)
      this.close()
      this.dispatchEvent(new CustomEvent('open-room', { detail: room.id, bubbles: true, composed: true }))
      this.dispatchEvent(new CustomEvent('compose', { bubbles: true, composed: true }))
    } catch (err) {
      this.error = t('errDirect', { error: err instanceof Error ? err.message : String(err) })
    }
  }
}

customElements.define('cs-people-dialog', CsPeopleDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-people-dialog': CsPeopleDialog }
}
