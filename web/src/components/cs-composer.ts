import { LitElement, css, html } from 'lit'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { loadDraft, saveDraft } from '../state/drafts.ts'
import { iconAttach, iconClose, iconMic, iconSend, iconStop } from '../lib/icons.ts'
import { VoiceRecorder } from '../lib/voice-recorder.ts'
import { formatDuration } from '../lib/media-kind.ts'

/** A file the composer hands over (picked, pasted, or a recorded voice note with its duration). */
export interface PickedFile {
  file: File
  /** Voice notes: recorded length in ms. */
  duration?: number
}

/** After this long without a keystroke the "typing" signal turns off. */
const TYPING_IDLE_MS = 3000

/**
 * The message box. Enter sends, Shift+Enter breaks the line; the draft of each room is kept. Files come from the
 * "Attach file" button, from paste, or a voice note recorded here (drag and drop is handled by the chat view). Emits
 * `send` (detail: text), `save-edit` (detail: text), `typing` (detail: boolean), `cancel-reply`, `cancel-edit`,
 * `files` (detail: PickedFile[]).
 */
export class CsComposer extends LitElement {
  static override properties = {
    roomId: { attribute: false },
    replyName: { attribute: false },
    editing: { attribute: false },
    value: { state: true },
    note: { state: true },
    recordingMs: { state: true }
  }

  declare roomId: string
  /** Name of the author being replied to, when replying. */
  declare replyName: string | undefined
  /** Text of the message being edited, when editing. */
  declare editing: string | undefined
  declare value: string
  declare note: string
  /** Length of the voice note being recorded (undefined when not recording). */
  declare recordingMs: number | undefined
  #recorder: VoiceRecorder | undefined
  #recordTimer: ReturnType<typeof setInterval> | undefined
  #typingTimer: ReturnType<typeof setTimeout> | undefined
  #typing = false

  constructor () {
    super()
    this.roomId = ''
    this.value = ''
    this.note = ''
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: block; border-top: 1px solid var(--cs-border); background: var(--cs-surface); padding: var(--cs-space-2) var(--cs-space-3)
      calc(var(--cs-space-2) + env(safe-area-inset-bottom)); }
    .mode { display: flex; align-items: center; gap: var(--cs-space-2); font-size: .9rem; color: var(--cs-text-muted);
      padding: 0 var(--cs-space-2) var(--cs-space-1); }
    .mode span { flex: 1; }
    .mode button { min-height: 28px; width: 28px; }
    .box { display: flex; align-items: flex-end; gap: var(--cs-space-2); }
    textarea { flex: 1; resize: none; min-height: 44px; max-height: 40dvh; field-sizing: content; border-radius: 22px;
      padding: 10px var(--cs-space-4); line-height: 1.4; }
    .hint { font-size: .78rem; margin: var(--cs-space-1) var(--cs-space-2) 0; }
    .note { font-size: .85rem; color: var(--cs-text-muted); margin: var(--cs-space-1) var(--cs-space-2) 0; }
    button.icon { min-height: 44px; width: 44px; }
    .recording { flex: 1; align-self: center; font-weight: 600; color: var(--cs-danger, var(--cs-text)); }
    @media (max-width: 600px) { .hint { display: none; } }
  `]

  override willUpdate (changed: Map<string, unknown>): void {
    if (changed.has('roomId')) {
      const old = changed.get('roomId') as string | undefined
      if (old !== undefined && old !== '') saveDraft(old, this.value)
      this.value = loadDraft(this.roomId)
      this.#stopTyping()
    }
    if (changed.has('editing') && this.editing !== undefined) this.value = this.editing
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    if (this.roomId !== '' && this.editing === undefined) saveDraft(this.roomId, this.value)
    this.#stopTyping()
    this.#cancelRecording()
  }

  /** Moves keyboard focus to the message box. */
  override focus (): void { this.renderRoot.querySelector('textarea')?.focus() }

  override render (): unknown {
    return html`
      ${this.replyName !== undefined && this.editing === undefined ? html`<div class="mode"><span>${t('replyingTo', { name: this.replyName })}</span>
        <button class="ghost icon" aria-label=${t('cancelReply')} @click=${() => { this.#emit('cancel-reply') }}>${iconClose}</button></div>` : ''}
      ${this.editing !== undefined ? html`<div class="mode"><span>${t('editing')}</span>
        <button class="ghost icon" aria-label=${t('cancelEdit')} @click=${() => { this.value = loadDraft(this.roomId); this.#emit('cancel-edit') }}>${iconClose}</button></div>` : ''}
      <div class="box">
        <input type="file" multiple hidden tabindex="-1" aria-hidden="true" @change=${this.#onPicked}>
        <button class="ghost icon" aria-label=${t('attachFile')} title=${t('attachFile')}
          @click=${() => { this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click() }}>${iconAttach}</button>
        ${this.recordingMs !== undefined
          ? html`<span class="recording" role="status">${t('recordingFor', { duration: formatDuration(this.recordingMs) })}</span>
            <button class="ghost icon" aria-label=${t('cancelRecording')} title=${t('cancelRecording')} @click=${() => { this.#cancelRecording() }}>${iconClose}</button>
            <button class="primary icon" aria-label=${t('stopRecording')} title=${t('stopRecording')} @click=${() => { void this.#stopRecording() }}>${iconStop}</button>`
          : html`<textarea rows="1" aria-label=${t('message')} aria-describedby="composer-hint" placeholder=${t('message')}
          maxlength="16000" .value=${this.value} @input=${this.#onInput} @keydown=${this.#onKey} @paste=${this.#onPaste}></textarea>
        <button class="ghost icon" aria-label=${t('recordVoice')} title=${t('recordVoice')} @click=${() => { void this.#startRecording() }}>${iconMic}</button>`}
        ${this.recordingMs !== undefined ? '' : html`<button class="primary icon" aria-label=${this.editing !== undefined ? t('save') : t('send')} title=${this.editing !== undefined ? t('save') : t('send')}
          @click=${() => { this.#submit() }}>${iconSend}</button>`}
      </div>
      <p class="hint muted" id="composer-hint">${t('composerHint')}</p>
      <p class="note" id="attach-note" role="status">${this.note}</p>
    `
  }

  #onPicked (e: Event): void {
    const input = e.target as HTMLInputElement
    const files = [...(input.files ?? [])]
    input.value = ''
    if (files.length > 0) this.#emit('files', files.map((file) => ({ file })))
  }

  #onPaste (e: ClipboardEvent): void {
    const files = [...(e.clipboardData?.files ?? [])]
    if (files.length === 0) return
    e.preventDefault()
    this.#emit('files', files.map((file) => ({ file })))
  }

  async #startRecording (): Promise<void> {
    if (this.#recorder !== undefined) return
    try {
      this.#recorder = await VoiceRecorder.start()
    } catch (err) {
      this.note = t('micUnavailable', { error: (err as Error).message })
      return
    }
    this.note = ''
    this.recordingMs = 0
    this.#recordTimer = setInterval(() => { this.recordingMs = this.#recorder?.elapsed() }, 250)
  }

  async #stopRecording (): Promise<void> {
    const recorder = this.#recorder
    if (recorder === undefined) return
    this.#recorder = undefined
    clearInterval(this.#recordTimer)
    this.recordingMs = undefined
    const { file, durationMs } = await recorder.stop()
    if (file.size > 0) this.#emit('files', [{ file, duration: durationMs }])
  }

  #cancelRecording (): void {
    this.#recorder?.cancel()
    this.#recorder = undefined
    clearInterval(this.#recordTimer)
    this.recordingMs = undefined
  }

  #onInput (e: Event): void {
    this.value = (e.target as HTMLTextAreaElement).value
    if (this.editing === undefined) saveDraft(this.roomId, this.value)
    if (this.value.trim() === '') { this.#stopTyping(); return }
    if (!this.#typing) { this.#typing = true; this.#emit('typing', true) }
    clearTimeout(this.#typingTimer)
    this.#typingTimer = setTimeout(() => { this.#stopTyping() }, TYPING_IDLE_MS)
  }

  #onKey (e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault()
      this.#submit()
    } else if (e.key === 'Escape' && this.editing !== undefined) {
      this.value = loadDraft(this.roomId)
      this.#emit('cancel-edit')
    }
  }

  #submit (): void {
    const text = this.value.trim()
    if (text === '') return
    this.#emit(this.editing !== undefined ? 'save-edit' : 'send', text)
    this.value = ''
    const area = this.renderRoot.querySelector('textarea')
    if (area !== null) area.value = ''
    if (this.editing === undefined) saveDraft(this.roomId, '')
    // No "stopped typing" notice: the message itself ends our typing line at every member (ChatAdapter, and the core
    // for its own listeners), and the notice would be signed and published right behind the message, on its way out.
    clearTimeout(this.#typingTimer)
    this.#typing = false
  }

  #stopTyping (): void {
    clearTimeout(this.#typingTimer)
    if (this.#typing) { this.#typing = false; this.#emit('typing', false) }
  }

  #emit (name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
  }
}

customElements.define('cs-composer', CsComposer)

declare global {
  interface HTMLElementTagNameMap { 'cs-composer': CsComposer }
}
