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
/**
 * Most scroll-then-measure passes when pinning to the newest message: it stops once the view is at the end with the
 * same content height for SETTLED_PASSES passes in a row (a whole room swapped in by a tail-first open is measured
 * over many frames on a loaded machine; a fixed count of passes ended before it, off the end).
 */
const MAX_SETTLE_PASSES = 40
const SETTLED_PASSES = 2
/** Measure-and-correct passes when keeping the first visible message in place after the list changed. */
const ANCHOR_PASSES = 10
/** A correction smaller than this (px) counts as settled. */
const ANCHOR_SLACK_PX = 1

/** Keys that scroll the list when focus is in it. */
const SCROLL_KEYS = new Set(['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End'])

/** Where the reader is when not at the bottom: a message and its top's offset from the top of the viewport. */
interface Anchor { id: string, offset: number }

/**
 * The virtualizer's layout completing, or `frames` frames, whichever comes first: layoutComplete resolves only after
 * an update cycle, so awaiting it alone after a scroll that changed nothing (already at the end) waited until some
 * later change, with scroll events ignored meanwhile.
 */
async function settled (v: LitVirtualizer, frames: number): Promise<void> {
  const waited = new Promise<void>((resolve) => {
    let left = frames
    const tick = (): void => { if (--left <= 0) resolve(); else requestAnimationFrame(tick) }
    requestAnimationFrame(tick)
  })
  await Promise.race([(v.layoutComplete ?? Promise.resolve()).catch(() => {}), waited])
}

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
  /** Counts scrollToEnd calls: only the latest one's passes and epilogue act. */
  #pinGen = 0
  /** Counts the reader's own scroll input (wheel, touch, keys, scrollbar): a change stops pinning and anchoring. */
  #input = 0
  /** Counts list changes kept anchored: a newer one supersedes the correction passes of an older one. */
  #anchorGen = 0
  #anchor: Anchor | undefined
  /** True while #keepAnchor moves the view: its own scroll events (rows land near the end) must not pin it to the end. */
  #anchoring = false
  readonly #onInput = (): void => { this.#input++ }
  /** A press on the scroller itself is on its scrollbar; one on a row (a reaction, a link) is no scroll. */
  readonly #onPointer = (e: PointerEvent): void => { if (e.target === e.currentTarget) this.#input++ }
  readonly #onKey = (e: KeyboardEvent): void => {
    if (!SCROLL_KEYS.has(e.key)) return
    this.#input++
    // The browser's Home/End jump to the ends of the height the virtualizer estimated then; rows measured on the way
    // change it, so End stopped short of the newest message (and Home below the first). Both run settle passes.
    if ((e.key === 'End' || e.key === 'Home') && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
      e.preventDefault()
      void (e.key === 'End' ? this.scrollToEnd() : this.#scrollToStart())
    }
  }

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
    /* Focusable so the keyboard scrolls it (PageUp/PageDown/Home/End) even when it holds links; the ring sits inside. */
    .scroll:focus-visible { outline-offset: -3px; }
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
          : html`<div class="scroll" tabindex="0" @scroll=${this.#onScroll} @wheel=${this.#onInput} @touchmove=${this.#onInput}
              @keydown=${this.#onKey} @pointerdown=${this.#onPointer}><lit-virtualizer .items=${this.#rows}
              .keyFunction=${(r: Row) => r.key}
              .renderItem=${(r: Row) => this.#row(r)}></lit-virtualizer></div>`}
      </section>
      ${this.atBottom ? '' : html`<button class="jump primary" @click=${(e: Event) => { void this.#jumpToLatest(e) }}>${iconDown}${t('jumpToLatest')}</button>`}
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
    if (v === null || this.#pinning || this.#anchoring) return
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
    // Only the latest call pins: an earlier one still in its passes (End, Home, End in a row) ended after the new one
    // had started, cleared #pinning and read "not at the bottom" into #stick, so End stopped mid-list (3 times in 12).
    const gen = ++this.#pinGen
    const input = this.#input
    this.#pinning = true
    try {
      await this.updateComplete
      const v = this.#virt()
      const scroller = this.#scroller()
      if (v === null || scroller === null || this.#rows.length === 0) return
      await v.updateComplete
      // Pinning to the end supersedes keeping a message in place.
      this.#anchorGen++
      this.#anchoring = false
      let lastHeight = -1
      let still = 0
      for (let pass = 0; pass < MAX_SETTLE_PASSES && this.#stick; pass++) {
        await new Promise((resolve) => requestAnimationFrame(resolve))
        if (!this.#stick || this.#input !== input || gen !== this.#pinGen) break
        const height = scroller.scrollHeight
        if (height === lastHeight && height - scroller.scrollTop - scroller.clientHeight < 1) {
          if (++still >= SETTLED_PASSES) break
        } else {
          still = 0
        }
        lastHeight = height
        scroller.scrollTop = height
        await settled(v, 6)
      }
    } finally {
      if (gen === this.#pinGen) this.#pinning = false
    }
    // The reader scrolled while the passes ran: their scroll events were ignored, so read where they are now.
    if (gen === this.#pinGen && this.#input !== input) this.#onScroll()
  }

  /** Scrolls to the first message, again after each layout pass until it holds there; a reader's scroll stops it. */
  async #scrollToStart (): Promise<void> {
    this.#stick = false
    this.#anchorGen++
    this.#anchoring = false
    const v = this.#virt()
    const scroller = this.#scroller()
    if (v === null || scroller === null) return
    const input = this.#input
    let still = 0
    for (let pass = 0; pass < MAX_SETTLE_PASSES && this.#input === input && !this.#stick; pass++) {
      if (scroller.scrollTop < 1) {
        if (++still >= SETTLED_PASSES) break
      } else {
        still = 0
        scroller.scrollTop = 0
      }
      await settled(v, 6)
      await new Promise((resolve) => requestAnimationFrame(resolve))
    }
    // Only when nothing else moved the view since: after End (scrollToEnd starting), reading "not at the bottom"
    // here would stop its pinning before its first pass (End then stopped mid-list, 3 times in 12).
    if (this.#input === input && !this.#stick) this.#onScroll()
  }

  /** Focuses the scroller (the keyboard then scrolls the messages), where the reader is. */
  focusList (): void { this.#scroller()?.focus({ preventScroll: true }) }

  /** "Jump to latest": the button goes away at the end, so focus (if it had it) moves to the list it scrolled. */
  async #jumpToLatest (e: Event): Promise<void> {
    const hadFocus = this.renderRoot instanceof ShadowRoot && this.renderRoot.activeElement === e.currentTarget
    const done = this.scrollToEnd()
    if (hadFocus) { await this.updateComplete; this.#scroller()?.focus({ preventScroll: true }) }
    await done
  }

  /** The topmost message row in view and its offset from the viewport's top (rows are positioned, DOM order is not relied on). */
  #firstVisible (): Anchor | undefined {
    const v = this.#virt()
    const scroller = this.#scroller()
    if (v === null || scroller === null) return undefined
    const top = scroller.getBoundingClientRect().top
    let best: Anchor | undefined
    for (const el of Array.from(v.children)) {
      const id = (el as { message?: MessageView }).message?.id
      if (el.localName !== 'cs-message' || id === undefined) continue
      const r = el.getBoundingClientRect()
      if (r.height === 0 || r.bottom <= top + ANCHOR_SLACK_PX) continue
      if (best === undefined || r.top - top < best.offset) best = { id, offset: r.top - top }
    }
    return best
  }

  #rendered (id: string): Element | undefined {
    const v = this.#virt()
    if (v === null) return undefined
    for (const el of Array.from(v.children)) if ((el as { message?: MessageView }).message?.id === id) return el
    return undefined
  }

  /**
   * The rendered message row nearest to row `index`, and the mean height of the rendered rows: from there the
   * virtualizer's place for row `index` is estimated (its own estimate for far rows, which scrollIntoView uses, can
   * be off by more than the viewport when the rows above were never measured).
   */
  #nearestRendered (index: number, indexOf: Map<string, number>): { index: number, top: number, rowHeight: number } | undefined {
    const v = this.#virt()
    if (v === null) return undefined
    let near: { index: number, top: number } | undefined
    let lo: { index: number, top: number } | undefined
    let hi: { index: number, top: number } | undefined
    for (const el of Array.from(v.children)) {
      const i = indexOf.get((el as { message?: MessageView }).message?.id ?? '')
      if (i === undefined) continue
      const at = { index: i, top: el.getBoundingClientRect().top }
      if (near === undefined || Math.abs(i - index) < Math.abs(near.index - index)) near = at
      if (lo === undefined || i < lo.index) lo = at
      if (hi === undefined || i > hi.index) hi = at
    }
    if (near === undefined || lo === undefined || hi === undefined || hi.index === lo.index) return undefined
    return { ...near, rowHeight: (hi.top - lo.top) / (hi.index - lo.index) }
  }

  /**
   * Keeps the anchor message at its offset after the list changed above or below it (a tail-first open inserts
   * the whole history above the early view): the virtualizer keeps the scroll position in pixels, which would show
   * other messages. While the row is not rendered, each pass scrolls to where the nearest rendered row puts it;
   * once rendered, each pass corrects by what the row is off (rows above get measured), until it holds still twice.
   */
  async #keepAnchor (anchor: Anchor): Promise<void> {
    const gen = ++this.#anchorGen
    this.#anchoring = false
    const input = this.#input
    const v = this.#virt()
    const scroller = this.#scroller()
    if (v === null || scroller === null) return
    await v.updateComplete
    // Row positions are needed only while the anchor row is not rendered (a big insert above it): not built for a
    // message appended below a reader who scrolled up, where a 100k-row map would cost every arriving message.
    let indexOf: Map<string, number> | undefined
    const positions = (): Map<string, number> => {
      if (indexOf !== undefined) return indexOf
      const map = new Map<string, number>()
      this.#rows.forEach((r, i) => { if (r.kind === 'message') map.set(r.key, i) })
      indexOf = map
      return map
    }
    if (this.#rendered(anchor.id) === undefined && !positions().has(anchor.id)) return
    const current = (): boolean => gen === this.#anchorGen && input === this.#input && !this.#stick && this.isConnected
    let still = 0
    this.#anchoring = true
    try {
      for (let pass = 0; pass < ANCHOR_PASSES && current(); pass++) {
        const el = this.#rendered(anchor.id)
        if (el === undefined) {
          still = 0
          const index = positions().get(anchor.id)
          if (index === undefined) break
          const near = this.#nearestRendered(index, positions())
          if (near === undefined) v.element(index)?.scrollIntoView({ block: 'start' })
          else scroller.scrollTop += near.top + (index - near.index) * near.rowHeight - scroller.getBoundingClientRect().top - anchor.offset
        } else {
          const delta = el.getBoundingClientRect().top - scroller.getBoundingClientRect().top - anchor.offset
          if (Math.abs(delta) < ANCHOR_SLACK_PX) {
            if (++still >= 2) break
          } else {
            still = 0
            scroller.scrollTop += delta
          }
        }
        await settled(v, 2)
      }
    } finally {
      if (gen === this.#anchorGen) this.#anchoring = false
    }
    // Where the view ended up decides whether new messages pin it to the end (scroll events were ignored).
    if (gen === this.#anchorGen) this.#onScroll()
  }

  override willUpdate (changed: Map<string, unknown>): void {
    // Read before the rows change: after, the DOM shows other rows at this scroll position.
    this.#anchor = changed.has('messages') && !this.#stick && this.#rows.length > 0 ? this.#firstVisible() : undefined
  }

  override updated (changed: Map<string, unknown>): void {
    if (!changed.has('messages')) return
    if (this.#stick) void this.scrollToEnd()
    else if (this.#anchor !== undefined) void this.#keepAnchor(this.#anchor)
    this.#anchor = undefined
  }
}

customElements.define('cs-message-list', CsMessageList)

declare global {
  interface HTMLElementTagNameMap { 'cs-message-list': CsMessageList }
}
