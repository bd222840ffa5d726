import { LitElement, css, html } from 'lit'
import type { PropertyValues } from 'lit'
import type { DeliveryState, MessageView } from '../core/backend.ts'
import { LocaleController, formatTime, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { plainText, renderMarkdown } from '../lib/markdown.ts'
import { iconChat, iconEdit, iconReply, iconSmile, iconTrash } from '../lib/icons.ts'
import './cs-avatar.ts'
import './cs-attachment.ts'
import { fileBody } from '../state/media-transfers.ts'
import type { MediaTransfers } from '../state/media-transfers.ts'

/** Reactions offered in one click. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢']

export interface MessageContext {
  meId: string
  nameOf: (userId: string) => string
  avatarOf: (userId: string) => string | undefined
  presenceOf: (userId: string) => 'online' | 'away' | 'offline' | undefined
  replyTarget: (id: string) => MessageView | undefined
  delivery: (id: string) => DeliveryState | undefined
  /** File messages: the room, its transfers and the name of a member device (peer id) for progress lines. */
  roomId?: string
  transfers?: MediaTransfers
  peerName?: (peerId: string) => string | undefined
  /** Rooms with roles: true when we may remove this author's messages for everyone (moderators and above). */
  canModerate?: (authorId: string) => boolean
}

/**
 * One message: author (unless grouped with the previous one), formatted text, reply quote, reactions, delivery
 * state, read markers and actions. Emits `reply`, `edit`, `delete` (detail: message) and `react`
 * (detail: { message, emoji, on }).
 */
export class CsMessage extends LitElement {
  static override properties = {
    message: { attribute: false },
    ctx: { attribute: false },
    grouped: { type: Boolean, reflect: true },
    readers: { attribute: false },
    latestOwn: { type: Boolean },
    picker: { state: true }
  }

  declare message: MessageView
  declare ctx: MessageContext
  declare grouped: boolean
  declare readers: string[]
  /** The newest of our own messages: the only one that shows its delivery state. */
  declare latestOwn: boolean
  declare picker: boolean

  constructor () {
    super()
    this.grouped = false
    this.readers = []
    this.latestOwn = false
    this.picker = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    :host { display: block; padding: 2px var(--cs-space-4); }
    :host(:not([grouped])) { padding-top: var(--cs-space-3); }
    article { display: grid; grid-template-columns: 40px 1fr; column-gap: var(--cs-space-3); position: relative;
      border-radius: var(--cs-radius-small); padding: 2px var(--cs-space-2); }
    article:hover, article:focus-within { background: var(--cs-surface-2); }
    .gutter { grid-row: span 3; padding-top: 2px; }
    .head { display: flex; gap: var(--cs-space-2); align-items: baseline; }
    .author { font-weight: 700; }
    .time { font-size: .78rem; color: var(--cs-text-muted); }
    .body { overflow-wrap: anywhere; min-width: 0; }
    .body p { margin: 0 0 4px; white-space: pre-wrap; }
    .body p:last-child { margin-bottom: 0; }
    .body ul, .body ol { margin: 2px 0; padding-left: 1.4em; }
    .body pre { background: var(--cs-code-bg); padding: var(--cs-space-2) var(--cs-space-3); border-radius: var(--cs-radius-small);
      overflow-x: auto; margin: 4px 0; }
    .body code { font-family: var(--cs-font-mono); font-size: .9em; background: var(--cs-code-bg); padding: 1px 4px; border-radius: 4px; }
    .body pre code { padding: 0; background: none; }
    .body blockquote { margin: 2px 0; padding-left: var(--cs-space-3); border-left: 3px solid var(--cs-border); color: var(--cs-text-muted); }
    .deleted { font-style: italic; color: var(--cs-text-muted); }
    .edited { font-size: .78rem; color: var(--cs-text-muted); }
    .quote { border-left: 3px solid var(--cs-accent); padding: 2px var(--cs-space-2); margin: 2px 0 4px; font-size: .9rem;
      color: var(--cs-text-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 60ch; }
    .quote b { color: var(--cs-text); }
    .meta { display: flex; gap: var(--cs-space-2); flex-wrap: wrap; align-items: center; margin-top: 2px; }
    .reaction { min-height: 28px; padding: 0 var(--cs-space-2); font-weight: 500; font-size: .9rem; border-radius: 999px; }
    .reaction[aria-pressed="true"] { background: var(--cs-accent-soft); border-color: var(--cs-accent); }
    .delivery, .readers { font-size: .78rem; color: var(--cs-text-muted); }
    .ticks { letter-spacing: -3px; }
    .ticks.seen { color: var(--cs-link); }
    .actions { position: absolute; right: var(--cs-space-2); top: -14px; display: none; gap: 2px; background: var(--cs-surface);
      border: 1px solid var(--cs-border); border-radius: 999px; padding: 2px; box-shadow: var(--cs-shadow); }
    article:hover .actions, article:focus-within .actions, .actions.open { display: flex; }
    .actions button { min-height: 32px; width: 32px; padding: 0; border: 0; }
    .picker { display: flex; gap: 2px; }
    .picker button { font-size: 1.1rem; }
  `]

  #formattedText: string | undefined
  #formattedResult: ReturnType<typeof renderMarkdown> | undefined
  /** What the last render showed from `ctx` (see shouldUpdate). */
  #shown: unknown[] | undefined

  /**
   * The room view passes a new `ctx` on every render (a new message, presence, a delivery state): most messages show
   * nothing new then, and updating each visible one (~50, 0.02-0.1 ms apiece under load) sat between a received
   * message's arrival and its own element (P8). Skipped when only `ctx` changed and nothing this message shows from
   * it did; file messages always update (their transfer lines read live state).
   */
  override shouldUpdate (changed: PropertyValues<this>): boolean {
    const now = this.message === undefined || this.ctx === undefined || fileBody(this.message) !== undefined ? undefined : this.#fromCtx()
    const prev = this.#shown
    this.#shown = now
    return !(changed.size === 1 && changed.has('ctx') && now !== undefined && prev !== undefined &&
      now.length === prev.length && now.every((v, i) => Object.is(v, prev[i])))
  }

  /** Everything render() reads through `ctx` for this message. */
  #fromCtx (): unknown[] {
    const m = this.message
    const c = this.ctx
    const mine = m.authorId === c.meId
    const d = mine && !m.deleted ? c.delivery(m.id) : undefined
    const reply = m.replyTo !== undefined ? c.replyTarget(m.replyTo) : undefined
    const reactors = Object.values(m.reactions).flat()
    return [c.meId, c.nameOf(m.authorId), c.avatarOf(m.authorId), mine ? undefined : c.presenceOf(m.authorId),
      d?.state, d === undefined ? undefined : 'relays' in d ? d.relays : 'peers' in d ? d.peers : undefined,
      reply, reply?.deleted, reply?.text, reply === undefined ? undefined : c.nameOf(reply.authorId),
      c.canModerate?.(m.authorId), c.roomId, c.transfers, ...reactors.map((u) => c.nameOf(u))]
  }

  /**
   * The formatted text, parsed again only when the text changes: the room view re-renders every visible message on
   * each change (presence, delivery, a new message), and parsing was most of that.
   */
  #formatted (text: string): ReturnType<typeof renderMarkdown> {
    if (this.#formattedResult === undefined || this.#formattedText !== text) {
      this.#formattedResult = renderMarkdown(text)
      this.#formattedText = text
    }
    return this.#formattedResult
  }

  override render (): unknown {
    const m = this.message
    const c = this.ctx
    const mine = m.authorId === c.meId
    const name = mine ? t('you') : (m.authorName ?? c.nameOf(m.authorId))
    const reply = m.replyTo !== undefined ? c.replyTarget(m.replyTo) : undefined
    return html`
      <article aria-label=${`${name}, ${formatTime(m.time)}`}>
        <div class="gutter">${this.grouped ? '' : html`<cs-avatar .name=${name} .userId=${m.authorId} .src=${c.avatarOf(m.authorId)}
          .presence=${mine ? undefined : c.presenceOf(m.authorId)}></cs-avatar>`}</div>
        ${this.grouped ? '' : html`<div class="head"><span class="author">${name}</span>
          <time class="time" datetime=${new Date(m.time).toISOString()}>${formatTime(m.time)}</time></div>`}
        <div class="body">
          ${reply !== undefined ? html`<div class="quote"><b>${reply.authorId === c.meId ? t('you') : (reply.authorName ?? c.nameOf(reply.authorId))}</b>
            ${reply.deleted ? t('deleted') : plainText(reply.text)}</div>` : ''}
          ${m.deleted
            ? html`<p class="deleted">${m.removedBy !== undefined ? t('removedByModerator') : t('deleted')}</p>`
            : fileBody(m) !== undefined && c.transfers !== undefined && c.roomId !== undefined
              ? html`<cs-attachment .message=${m} .roomId=${c.roomId} .transfers=${c.transfers} .nameOf=${c.peerName}></cs-attachment>`
              : this.#formatted(m.text)}
        </div>
        ${this.#meta(mine)}
        ${m.deleted ? '' : this.#actions(mine)}
      </article>
    `
  }

  #meta (mine: boolean): unknown {
    const m = this.message
    const entries = Object.entries(m.reactions).filter(([, who]) => who.length > 0)
    // Every own message shows how far it got: the newest in words, older ones as compact ticks (words on hover and
    // for screen readers), as in other messengers.
    const delivery = mine && !m.deleted ? this.ctx.delivery(m.id) : undefined
    const edited = m.edited && !m.deleted
    if (entries.length === 0 && delivery === undefined && this.readers.length === 0 && !edited) return ''
    return html`<div class="meta">
      ${edited ? html`<span class="edited">(${t('edited')})</span>` : ''}
      ${entries.map(([emoji, who]) => {
        const on = who.includes(this.ctx.meId)
        const names = who.map((u) => u === this.ctx.meId ? t('you') : this.ctx.nameOf(u)).join(', ')
        return html`<button class="reaction" aria-pressed=${on ? 'true' : 'false'} title=${names}
          aria-label=${t('reactionCount', { emoji, count: who.length, names })}
          @click=${() => { this.#emit('react', { message: m, emoji, on: !on }) }}>${emoji} ${who.length}</button>`
      })}
      ${delivery === undefined
        ? ''
        : this.latestOwn
          ? html`<span class="delivery">${deliveryText(delivery)}</span>`
          : html`<span class="delivery ticks ${delivery.state}" title=${deliveryText(delivery)}><span aria-hidden="true">${delivery.state === 'local' ? '✓' : '✓✓'}</span><span class="visually-hidden">${deliveryText(delivery)}</span></span>`}
      ${this.readers.length > 0 ? html`<span class="readers">${t('readUpTo', { names: this.readers.join(', ') })}</span>` : ''}
    </div>`
  }

  #actions (mine: boolean): unknown {
    const m = this.message
    return html`<div class="actions ${this.picker ? 'open' : ''}" role="toolbar" aria-label=${t('messageActions')}
      @keydown=${(e: KeyboardEvent) => { if (e.key === 'Escape' && this.picker) { e.stopPropagation(); this.#closePicker() } }}>
      ${this.picker
        ? html`<div class="picker">${QUICK_REACTIONS.map((emoji) => html`<button class="ghost" aria-label=${t('addReaction', { emoji })}
            @click=${() => { this.#closePicker(); this.#emit('react', { message: m, emoji, on: !(m.reactions[emoji] ?? []).includes(this.ctx.meId) }) }}>${emoji}</button>`)}</div>`
        : ''}
      <button class="ghost react" aria-label=${t('react')} title=${t('react')} aria-expanded=${this.picker ? 'true' : 'false'}
        @click=${() => { this.picker = !this.picker }}>${iconSmile}</button>
      <button class="ghost" aria-label=${t('reply')} title=${t('reply')} @click=${() => { this.#emit('reply', m) }}>${iconReply}</button>
      ${!mine ? html`<button class="ghost" aria-label=${t('messagePerson', { name: m.authorName ?? this.ctx.nameOf(m.authorId) })} title=${t('messagePerson', { name: m.authorName ?? this.ctx.nameOf(m.authorId) })}
        @click=${() => { this.#emit('message-author', m.authorId) }}>${iconChat}</button>` : ''}
      ${mine ? html`
        <button class="ghost" aria-label=${t('edit')} title=${t('edit')} @click=${() => { this.#emit('edit', m) }}>${iconEdit}</button>
        <button class="ghost danger" aria-label=${t('delete')} title=${t('delete')} @click=${() => { this.#emit('delete', m) }}>${iconTrash}</button>` : ''}
      ${!mine && this.ctx.canModerate?.(m.authorId) === true ? html`<button class="ghost danger" aria-label=${t('removeForEveryone')} title=${t('removeForEveryone')}
        @click=${() => { this.#emit('moderate-remove', m) }}>${iconTrash}</button>` : ''}
    </div>`
  }

  /** Closes the reaction picker; focus, which may have been on one of its (now removed) buttons, goes back to React. */
  #closePicker (): void {
    this.picker = false
    this.renderRoot.querySelector<HTMLElement>('button.react')?.focus()
  }

  #emit (name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
  }
}

export function deliveryText (d: DeliveryState): string {
  switch (d.state) {
    case 'local': return t('deliveryLocal')
    case 'relay': return t('deliveryRelay')
    case 'seen': return t('deliverySeen', { count: d.peers })
  }
}

customElements.define('cs-message', CsMessage)

declare global {
  interface HTMLElementTagNameMap { 'cs-message': CsMessage }
}
