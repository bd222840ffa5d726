import { LitElement, css, html } from 'lit'
import type { MessageView } from '../core/backend.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { formatBytes, formatDuration, mediaKind, previewType } from '../lib/media-kind.ts'
import { iconClose, iconDown, iconFile } from '../lib/icons.ts'
import { AUTO_FETCH_MAX_BYTES, MediaTransfers, fileBody } from '../state/media-transfers.ts'
import type { TransferState } from '../state/media-transfers.ts'

/**
 * A file message: images and video inline (an image opens larger in a viewer, Escape closes it), audio and voice
 * notes with a player, everything else (SVG, HTML, unknown types always) as a download card. Shows the sender's
 * preview while the bytes come, progress (bytes, rate, time left), cancel, and the relay fallback when no direct
 * connection can be made.
 */
export class CsAttachment extends LitElement {
  static override properties = {
    message: { attribute: false },
    roomId: { attribute: false },
    transfers: { attribute: false },
    nameOf: { attribute: false },
    viewing: { state: true }
  }

  declare message: MessageView
  declare roomId: string
  declare transfers: MediaTransfers
  declare nameOf: ((peerId: string) => string | undefined) | undefined
  declare viewing: boolean
  #previewUrl: string | undefined
  #previewFor: string | undefined
  readonly #onChange = (e: Event): void => {
    if ((e as CustomEvent<string>).detail === MediaTransfers.key(this.roomId, this.message.id)) this.requestUpdate()
  }

  #listening: MediaTransfers | undefined

  constructor () {
    super()
    this.viewing = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: block; margin: 4px 0; max-width: min(100%, 360px); }
    .thumb { display: block; padding: 0; border: 0; background: none; min-height: 0; cursor: zoom-in; border-radius: var(--cs-radius-small); }
    img.inline, video { display: block; max-width: 100%; max-height: 320px; border-radius: var(--cs-radius-small); background: var(--cs-surface-2); }
    img.preview { display: block; width: 160px; max-width: 100%; filter: blur(2px); border-radius: var(--cs-radius-small); }
    audio { display: block; width: 100%; max-width: 320px; }
    .card { display: flex; gap: var(--cs-space-2); align-items: center; border: 1px solid var(--cs-border); border-radius: var(--cs-radius-small);
      padding: var(--cs-space-2); background: var(--cs-surface); }
    .card .name { flex: 1; min-width: 0; overflow-wrap: anywhere; }
    .size, .status, .label { font-size: .82rem; color: var(--cs-text-muted); margin: 2px 0; }
    .row { display: flex; gap: var(--cs-space-2); align-items: center; flex-wrap: wrap; }
    progress { width: 100%; max-width: 320px; }
    .alert { font-size: .85rem; margin: 4px 0; color: var(--cs-warning-text); background: var(--cs-warning-bg); padding: 4px 8px; border-radius: var(--cs-radius-small); }
    dialog { max-width: 96vw; max-height: 96vh; padding: var(--cs-space-2); border: 0; border-radius: var(--cs-radius); background: var(--cs-surface); color: var(--cs-text); }
    dialog::backdrop { background: rgb(0 0 0 / .75); }
    dialog img { display: block; max-width: 92vw; max-height: 86vh; }
    dialog .bar { display: flex; justify-content: space-between; align-items: center; gap: var(--cs-space-2); margin-bottom: var(--cs-space-2); }
    button.icon { min-height: 36px; width: 36px; }
  `]

  override connectedCallback (): void {
    super.connectedCallback()
    this.#listen()
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.#listening?.removeEventListener('change', this.#onChange)
    this.#listening = undefined
    if (this.#previewUrl !== undefined) URL.revokeObjectURL(this.#previewUrl)
    this.#previewUrl = undefined
    this.#previewFor = undefined
  }

  override willUpdate (): void {
    this.#listen()
    const body = fileBody(this.message)
    if (body === undefined || this.transfers === undefined) return
    const state = this.transfers.get(this.roomId, this.message.id)
    if (mediaKind(body.mime) !== 'file' && state.status === 'idle' && body.size <= AUTO_FETCH_MAX_BYTES) {
      void this.transfers.fetch(this.roomId, this.message)
    }
  }

  #listen (): void {
    if (this.transfers === this.#listening) return
    this.#listening?.removeEventListener('change', this.#onChange)
    this.#listening = this.transfers
    this.#listening?.addEventListener('change', this.#onChange)
  }

  override render (): unknown {
    const body = fileBody(this.message)
    if (body === undefined || this.transfers === undefined) return ''
    const state = this.transfers.get(this.roomId, this.message.id)
    const kind = mediaKind(body.mime)
    const duration = (this.message.body as { duration?: number }).duration
    switch (kind) {
      case 'image': return html`
        ${state.url !== undefined
          ? html`<button class="thumb" aria-label=${t('openImage', { name: body.name })} @click=${this.#openViewer}>
              <img class="inline" src=${state.url} alt=${t('imageAlt', { name: body.name })}></button>`
          : this.#preview(body.name)}
        ${this.#status(state, body.size)}
        ${this.viewing && state.url !== undefined ? this.#viewer(state.url, body.name) : ''}`
      case 'video': return html`
        ${state.url !== undefined
          ? html`<video controls preload="metadata" src=${state.url} aria-label=${t('videoLabel', { name: body.name })}></video>`
          : this.#preview(body.name)}
        ${this.#status(state, body.size)}`
      case 'audio': return html`
        <p class="label">${duration !== undefined ? t('voiceNoteLabel', { duration: formatDuration(duration) }) : t('audioLabel', { name: body.name })}</p>
        ${state.url !== undefined ? html`<audio controls preload="metadata" src=${state.url} aria-label=${t('audioLabel', { name: body.name })}
          @loadedmetadata=${fixDuration}></audio>` : ''}
        ${this.#status(state, body.size)}`
      default: return html`
        <div class="card">
          ${iconFile}
          <div class="name"><div>${body.name}</div><div class="size">${formatBytes(body.size)} · ${body.mime}</div></div>
          <button class="icon" aria-label=${t('downloadFile', { name: body.name })} title=${t('downloadFile', { name: body.name })}
            ?disabled=${state.status === 'fetching'} @click=${() => { void this.transfers.download(this.roomId, this.message) }}>${iconDown}</button>
        </div>
        ${/^(image|video|audio)\//i.test(body.mime) || /html|svg|xml/i.test(body.mime) ? html`<p class="size">${t('notInline')}</p>` : ''}
        ${this.#status(state, body.size)}`
    }
  }

  #preview (name: string): unknown {
    const preview = (this.message.body as { preview?: Uint8Array }).preview
    if (preview === undefined) return ''
    const type = previewType(preview)
    if (type === undefined) return ''
    if (this.#previewFor !== this.message.id) {
      if (this.#previewUrl !== undefined) URL.revokeObjectURL(this.#previewUrl)
      this.#previewUrl = URL.createObjectURL(new Blob([preview as Uint8Array<ArrayBuffer>], { type }))
      this.#previewFor = this.message.id
    }
    return html`<img class="preview" src=${this.#previewUrl} alt=${t('imageAlt', { name })}>`
  }

  #status (state: TransferState, size: number): unknown {
    const key = { room: this.roomId, id: this.message.id }
    switch (state.status) {
      case 'fetching': {
        const p = state.progress
        const done = p?.bytes ?? 0
        const total = p?.total ?? size
        const rate = p?.rate ?? 0
        const eta = p === undefined || !Number.isFinite(p.etaMs) ? '–' : formatDuration(p.etaMs)
        const from = p?.peerId !== undefined ? (this.nameOf?.(p.peerId) ?? t('someone')) : undefined
        const path = p?.path === 'relayed' ? t('pathRelay') : p?.path === 'direct' ? t('pathDirect') : undefined
        return html`<div class="row">
            <progress max=${total} .value=${done} aria-label=${t('getFile', { name: fileBody(this.message)?.name ?? '' })}></progress>
            <button class="ghost" @click=${() => { this.transfers.cancel(key.room, key.id) }}>${t('cancelTransfer')}</button>
          </div>
          <p class="status" role="status" data-path=${p?.path ?? ''}>${t('progress', { done: formatBytes(done), total: formatBytes(total), rate: formatBytes(Math.round(rate)), eta })}${from !== undefined && path !== undefined ? html` · ${t('progressPath', { name: from, path })}` : ''}</p>`
      }
      case 'needs-relay': return html`<p class="alert" role="alert">${t('noDirectOfferRelay')}</p>
        <button @click=${() => { void this.transfers.fetch(key.room, this.message, { allowRelayed: true, download: mediaKind(fileBody(this.message)?.mime ?? '') === 'file' }) }}>${t('useRelay')}</button>`
      case 'failed': return html`<p class="alert" role="alert">${t('transferFailed', { error: state.error ?? '' })}</p>
        <button @click=${() => { void this.transfers.fetch(key.room, this.message, { allowRelayed: state.viaRelay === true }) }}>${t('retryTransfer')}</button>`
      case 'cancelled': return html`<p class="status" role="status">${t('transferCancelled')}</p>
        <button @click=${() => { void this.transfers.fetch(key.room, this.message) }}>${t('retryTransfer')}</button>`
      case 'done': return state.progress !== undefined && state.progress.path !== 'local'
        ? html`<p class="status" data-path=${state.progress.path}>${formatBytes(state.progress.total)} · ${state.progress.path === 'relayed' ? t('pathRelay') : t('pathDirect')}</p>`
        : ''
      default: return ''
    }
  }

  #openViewer (): void {
    this.viewing = true
    void this.updateComplete.then(() => { this.renderRoot.querySelector('dialog')?.showModal() })
  }

  #viewer (url: string, name: string): unknown {
    return html`<dialog aria-label=${t('viewerLabel', { name })} @close=${() => { this.viewing = false }}
      @click=${(e: Event) => { if (e.target === e.currentTarget) (e.currentTarget as HTMLDialogElement).close() }}>
      <div class="bar"><span>${name}</span>
        <button class="ghost icon" aria-label=${t('closeViewer')} @click=${() => { this.renderRoot.querySelector('dialog')?.close() }}>${iconClose}</button></div>
      <img src=${url} alt=${t('imageAlt', { name })}>
    </dialog>`
  }
}

/**
 * MediaRecorder's WebM has no duration in its header, so the player shows 0:00 until it has played through. Seeking
 * far past the end makes the browser scan the file and learn the duration; then it goes back to the start.
 */
function fixDuration (e: Event): void {
  const el = e.target as HTMLMediaElement
  if (Number.isFinite(el.duration)) return
  const back = (): void => {
    if (!Number.isFinite(el.duration)) return
    el.removeEventListener('durationchange', back)
    el.currentTime = 0
  }
  el.addEventListener('durationchange', back)
  el.currentTime = Number.MAX_SAFE_INTEGER
}

customElements.define('cs-attachment', CsAttachment)

declare global {
  interface HTMLElementTagNameMap { 'cs-attachment': CsAttachment }
}
