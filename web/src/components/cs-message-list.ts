import { LitElement, css, html } from 'lit'
import '@lit-labs/virtualizer'
import type { LitVirtualizer } from '@lit-labs/virtualizer'
import type { MessageView } from '../core/backend.ts'
import { LocaleController, formatDay, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { iconDown } from '../lib/icons.ts'
import type { MessageContext } from './cs-message.ts'
import './cs-message.ts'

type Row =
  | { kind: 'day', key: string, time: number }
  | { kind: 'message', key: string, message: MessageView, grouped: boolean }

/** Consecutive messages of one author within this many ms share one header. */
const GROUP_WINDOW_MS = 5 * 60 * 1000
/** The readers of a message nobody's marker is at: one array, so such rows see no change (cs-message shouldUpdate). */
const NO_READERS: string[] = []
/** Within this many pixels of the end counts as "at the bottom" (new messages keep it pinned there). */
const BOTTOM_SLACK_PX = 80
/** Scroll-then-measure passes when pinning to the newest message. */
const SETTLE_PASSES = 4

/** Day separators and author grouping over the message list; linear, recomputed only when the list changes. */
export function buildRows (messages: readonly MessageView[]): Row[] {
  const rows: Row[] = []
  let prev: MessageView | undefined
  for (const m of messages) {
    const day = new Date(m.time).toDateString()
    const newDay = prev === undefined || new Date(prev.time).toDateString() !== day
    if (newDay) rows.push({ kind: 'day', key: 'day:' + day + ':' + m.id, time: m.time })
    const grouped = !newDay && prev !== undefined && prev.authorId === m.authorId && m.time - prev.time < GROUP_WINDOW_MS && m.replyTo === undefined
    rows.push({ kind: 'message', key: m.id, message: m, grouped })
    prev = m
  }
  return rows
}

/**
 * The virtualized message list (only the rows in view are in the DOM, so 100k messages scroll smoothly). It is
 * the region named "Messages", sticks to the newest message while the user is at the bottom, and offers
 * "Jump to latest" otherwise.
 */
export class CsMessageList extends LitElement {
  static override properties = {
    messages: { attribute: false },
    ctx: { attribute: false },
    readers: { attribute: false },
    atBottom: { state: true }
  }

  declare messages: readonly MessageView[]
  declare ctx: MessageContext
  /** message id → names of people whose read marker is there. */
  declare readers: Map<string, string[]>
  declare atBottom: boolean
  #rows: Row[] = []
  #rowsOf: readonly MessageView[] | undefined
  #latestOwn: string | undefined
  #stick = true
  /** True while scrollToEnd moves the view: its own scroll events must not unpin it. */
  #pinning = false

  constructor () {
    super()
    this.messages = []
    this.readers = new Map()
    this.atBottom = true
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: block; position: relative; min-height: 0; }
    section { height: 100%; display: flex; flex-direction: column; }
    /* The scroller; a column whose only child has margin-top: auto, so a short conversation sits at the bottom next
       to the composer (as in other messengers) and a long one scrolls normally. */
    .scroll { flex: 1; min-height: 0; overflow-y: auto; display: flex; flex-direction: column; overscroll-behavior: contain; }
    lit-virtualizer { margin-top: auto; flex: none; padding-bottom: var(--cs-space-3); }
    .day { display: flex; align-items: center; gap: var(--cs-space-3); padding: var(--cs-space-4) var(--cs-space-4) var(--cs-space-1);
      color: var(--cs-text-muted); font-size: .82rem; font-weight: 650; width: 100%; }
    .day::before, .day::after { content: ""; flex: 1; border-top: 1px solid var(--cs-border); }
    cs-message { width: 100%; }
    .jump { position: absolute; right: var(--cs-space-4); bottom: var(--cs-space-4); box-shadow: var(--cs-shadow); }
    .empty { margin: auto; color: var(--cs-text-muted); padding: var(--cs-space-5); }
  `]

  override render (): unknown {
    if (this.#rowsOf !== this.messages) {
      this.#rows = buildRows(this.messages)
      this.#rowsOf = this.messages
      this.#latestOwn = undefined
      for (let i = this.messages.length - 1; i >= 0; i--) {
        const m = this.messages[i]
        if (m !== undefined && m.authorId === this.ctx?.meId && !m.deleted) { this.#latestOwn = m.id; break }
      }
    }
    return html`
      <section role="region" aria-label=${t('messages')}>
        ${this.#rows.length === 0
          ? html`<p class="empty">${t('noMessagesYet')}</p>`
          : html`<div class="scroll" @scroll=${this.#onScroll}><lit-virtualizer .items=${this.#rows}
              .keyFunction=${(r: Row) => r.key}
              .renderItem=${(r: Row) => this.#row(r)}></lit-virtualizer></div>`}
      </section>
      ${this.atBottom ? '' : html`<button class="jump primary" @click=${() => { void this.scrollToEnd() }}>${iconDown}${t('jumpToLatest')}</button>`}
    `
  }

  #row (r: Row): ReturnType<typeof html> {
    if (r.kind === 'day') return html`<div class="day" role="separator">${formatDay(r.time)}</div>`
    return html`<cs-message .message=${r.message} .ctx=${this.ctx} ?grouped=${r.grouped} ?latestOwn=${r.message.id === this.#latestOwn}
      .readers=${this.readers.get(r.message.id) ?? NO_READERS}></cs-message>`
  }

  #virt (): LitVirtualizer | null { return this.renderRoot.querySelector('lit-virtualizer') }
  #scroller (): HTMLElement | null { return this.renderRoot.querySelector('.scroll') }

  #onScroll (): void {
    const v = this.#scroller()
    if (v === null || this.#pinning) return
    const bottom = v.scrollHeight - v.scrollTop - v.clientHeight < BOTTOM_SLACK_PX
    this.#stick = bottom
    if (bottom !== this.atBottom) this.atBottom = bottom
  }

  /**
   * Scrolls to the newest message (again after each layout pass, as row heights are measured while rendering). Each
   * pass reads scrollHeight at the start of a frame (requestAnimationFrame), where the frame's layout is due anyway,
   * not right after the render: there it forced an extra synchronous layout in the middle of the task that had
   * just received or sent a message, delaying the network work queued behind it (P8).
   */
  async scrollToEnd (): Promise<void> {
    this.#stick = true
    this.atBottom = true
    await this.updateComplete
    const v = this.#virt()
    const scroller = this.#scroller()
    if (v === null || scroller === null || this.#rows.length === 0) return
    await v.updateComplete
    this.#pinning = true
    try {
      for (let pass = 0; pass < SETTLE_PASSES && this.#stick; pass++) {
        await new Promise((resolve) => requestAnimationFrame(resolve))
        if (!this.#stick) break
        scroller.scrollTop = scroller.scrollHeight
        await v.layoutComplete
      }
    } finally {
      this.#pinning = false
    }
  }

  override updated (changed: Map<string, unknown>): void {
    if (changed.has('messages') && this.#stick) void this.scrollToEnd()
  }
}

customElements.define('cs-message-list', CsMessageList)

declare global {
  interface HTMLElementTagNameMap { 'cs-message-list': CsMessageList }
}
