import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import type { Device, LinkOffer } from '../core/devices.ts'
import { EventController } from '../state/store-controller.ts'
import { LocaleController, formatDay, formatTime, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import './cs-qr-code.ts'

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Settings section "Linked devices": this identity's devices (revoke the others), a code (QR and text) that links
 * this browser to another device's identity, and a field for the code of a new device to link to this identity.
 */
export class CsLinkedDevices extends LitElement {
  static override properties = {
    store: { attribute: false },
    offer: { state: true },
    code: { state: true },
    status: { state: true },
    busy: { state: true },
    confirming: { state: true }
  }

  declare store: AppStore
  declare offer: LinkOffer | undefined
  declare code: string
  declare status: string
  declare busy: boolean
  /** Id of the device whose revocation waits for confirmation. */
  declare confirming: string | undefined
  readonly #changes = new EventController(this, ['change'])

  constructor () {
    super()
    this.code = ''
    this.status = ''
    this.busy = false
    new LocaleController(this)
  }

  override willUpdate (changed: Map<string, unknown>): void {
    this.#changes.target = this.store
    const pending = this.store.pendingLinkCode
    if (changed.has('store') && pending !== undefined) {
      this.code = pending
      this.store.pendingLinkCode = undefined
    }
    if (this.store.pendingLinkOffer && this.store.backend !== undefined && this.offer === undefined && !this.busy) {
      this.store.pendingLinkOffer = false
      void this.#createOffer()
    }
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    void this.offer?.cancel()
  }

  static override styles = [sharedStyles, css`
    :host { display: block; }
    section { background: var(--cs-surface); border: 1px solid var(--cs-border); border-radius: var(--cs-radius); padding: var(--cs-space-4) var(--cs-space-5);
      display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-3); }
    @media (max-width: 799px) { section { padding: var(--cs-space-4); } }
    h2 { font-size: 1.05rem; }
    h3 { font-size: 1rem; margin-top: var(--cs-space-2); }
    p { margin: 0; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--cs-space-2); }
    li { display: flex; flex-wrap: wrap; gap: var(--cs-space-2) var(--cs-space-3); align-items: center; padding: var(--cs-space-2) var(--cs-space-3);
      background: var(--cs-surface-2); border-radius: var(--cs-radius-small); }
    .name { font-weight: 600; }
    .meta { color: var(--cs-text-muted); font-size: .9rem; }
    .badge { font-size: .8rem; padding: 0 var(--cs-space-2); border-radius: 999px; border: 1px solid var(--cs-border); }
    .spacer { flex: 1; }
    cs-qr-code { width: min(280px, 100%); }
    textarea { min-height: 80px; font-family: var(--cs-font-mono); font-size: .85rem; overflow-wrap: anywhere; }
  `]

  override render (): unknown {
    const backend = this.store.backend
    if (backend === undefined) return ''
    const devices = backend.devices.list()
    return html`
      <section aria-labelledby="s-devices">
        <h2 id="s-devices">${t('linkedDevices')}</h2>
        <p>${t('devicesExplain')}</p>
        ${devices.some((d) => d.current && d.revoked) ? html`<p class="error" role="alert">${t('thisDeviceRevoked')}</p>` : ''}
        <ul aria-label=${t('yourDevices')}>${devices.map((d) => this.#device(d))}</ul>

        <h3 id="s-link-this">${t('linkThisDevice')}</h3>
        <p>${t('linkThisExplain')}</p>
        ${this.offer === undefined
          ? html`<div class="row"><button ?disabled=${this.busy} @click=${() => { void this.#createOffer() }}>${t('showLinkCode')}</button></div>`
          : html`
            <cs-qr-code .value=${this.offer.url} .label=${t('linkQrLabel')}></cs-qr-code>
            <div class="field">
              <label for="offer-code">${t('linkCode')}</label>
              <textarea id="offer-code" readonly spellcheck="false" aria-describedby="offer-hint" .value=${this.offer.code}></textarea>
              <p class="muted" id="offer-hint">${t('linkCodeWaiting', { time: formatTime(this.offer.expires) })}</p>
            </div>
            <div class="row">
              <button @click=${() => { void navigator.clipboard?.writeText(this.offer?.code ?? '').then(() => { this.status = t('copied') }).catch(() => {}) }}>${t('copyLinkCode')}</button>
              <button class="ghost" @click=${() => { void this.#cancelOffer() }}>${t('cancel')}</button>
            </div>`}

        <h3 id="s-link-other">${t('linkOtherDevice')}</h3>
        <p>${t('linkOtherExplain')}</p>
        <div class="field">
          <label for="link-code">${t('linkCodeFromNew')}</label>
          <textarea id="link-code" spellcheck="false" autocomplete="off" .value=${this.code}
            @input=${(e: Event) => { this.code = (e.target as HTMLTextAreaElement).value }}></textarea>
        </div>
        <div class="row">
          <button class="primary" ?disabled=${this.busy || this.code.trim() === ''} @click=${() => { void this.#link() }}>${t('linkDevice')}</button>
        </div>
        <p role="status">${this.status}</p>
      </section>
    `
  }

  #device (d: Device): unknown {
    const added = d.addedAt > 0 ? t('deviceAdded', { day: formatDay(d.addedAt), time: formatTime(d.addedAt) }) : t('deviceNotLinked')
    return html`<li>
      <span class="name">${d.name}</span>
      ${d.current ? html`<span class="badge">${t('thisDevice')}</span>` : ''}
      ${d.revoked ? html`<span class="badge">${t('deviceRevoked')}</span>` : ''}
      <span class="meta">${added}</span>
      <span class="spacer"></span>
      ${d.current || d.revoked
        ? ''
        : this.confirming === d.id
          ? html`<span>${t('revokeConfirm', { name: d.name })}</span>
              <button class="danger" ?disabled=${this.busy} @click=${() => { void this.#revoke(d) }}>${t('revokeDevice')}</button>
              <button class="ghost" @click=${() => { this.confirming = undefined }}>${t('cancel')}</button>`
          : html`<button aria-label=${t('revokeNamed', { name: d.name })} @click=${() => { this.confirming = d.id }}>${t('revoke')}</button>`}
    </li>`
  }

  async #createOffer (): Promise<void> {
    const backend = this.store.backend
    if (backend === undefined) return
    this.busy = true
    this.status = t('linkPreparing')
    try {
      const offer = await backend.devices.createOffer()
      this.offer = offer
      this.status = ''
      const linked = await offer.done
      this.status = t('linkedRestarting', { user: linked.userId.slice(0, 12) })
      this.offer = undefined
      await this.store.adoptLinkedIdentity(linked)
    } catch (err) {
      if (this.offer !== undefined || (err as Error).name !== 'TimeoutError') this.status = t('linkFailed', { error: errorText(err) })
      this.offer = undefined
    } finally {
      this.busy = false
    }
  }

  async #cancelOffer (): Promise<void> {
    const offer = this.offer
    this.offer = undefined
    await offer?.cancel()
    this.status = ''
  }

  async #link (): Promise<void> {
    const backend = this.store.backend
    if (backend === undefined) return
    this.busy = true
    this.status = t('linking')
    try {
      const d = await backend.devices.link(this.code)
      this.code = ''
      this.status = t('deviceLinked', { name: d.name })
    } catch (err) {
      this.status = t('linkFailed', { error: errorText(err) })
    } finally {
      this.busy = false
    }
  }

  async #revoke (d: Device): Promise<void> {
    const backend = this.store.backend
    if (backend === undefined) return
    this.busy = true
    try {
      const res = await backend.devices.revoke(d.id)
      this.status = res.stillReadable > 0 ? t('revokedPartly', { name: d.name, rooms: res.stillReadable }) : t('revokedDone', { name: d.name })
    } catch (err) {
      this.status = t('revokeFailed', { error: errorText(err) })
    } finally {
      this.confirming = undefined
      this.busy = false
    }
  }
}

customElements.define('cs-linked-devices', CsLinkedDevices)

declare global {
  interface HTMLElementTagNameMap { 'cs-linked-devices': CsLinkedDevices }
}
