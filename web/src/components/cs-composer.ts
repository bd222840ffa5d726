import { LitElement, css, html } from 'lit'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { loadDraft, saveDraft } from '../state/drafts.ts'
import { iconAttach, iconClose, iconSend } from '../lib/icons.ts'

/** After this long without a keystroke the "typing" signal turns off. */
const TYPING_IDLE_MS = 3000

/**
 * The message box. Enter sends, Shift+Enter breaks the line; the draft of each room is kept. Emits `send`
 * (detail: text), `save-edit` (detail: text), `typing` (detail: boolean), `cancel-reply`, `cancel-edit`.
 */
export class CsComposer extends LitElement {
  static override properties = {
    roomId: { attribute: false },
    replyName: { attribute: false },
    editing: { attribute: false },
    value: { state: true },
    note: { state: true }
  }

  declare roomId: string
  /** Name of the author being replied to, when replying. */
  declare replyName: string | undefined
  /** Text of the message being edited, when editing. */
  declare editing: string | undefined
  declare value: string
  declare note: string
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
        <button class="ghost icon" aria-label=${t('attachFile')} aria-disabled="true" title=${t('attachSoon')}
          aria-describedby="attach-note" @click=${() => { this.note = t('attachSoon') }}>${iconAttach}</button>
        <textarea rows="1" aria-label=${t('message')} aria-describedby="composer-hint" placeholder=${t('message')}
          maxlength="16000" .value=${this.value} @input=${this.#onInput} @keydown=${this.#onKey}></textarea>
        <button class="primary icon" aria-label=${this.editing !== undefined ? t('save') : t('send')} title=${this.editing !== undefined ? t('save') : t('send')}
          @click=${() => { this.#submit() }}>${iconSend}</button>
      </div>
      <p class="hint muted" id="composer-hint">${t('composerHint')}</p>
      <p class="note" id="attach-note" role="status">${this.note}</p>
    `
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
    this.#stopTyping()
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
