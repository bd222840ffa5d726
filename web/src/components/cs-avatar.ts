import { LitElement, css, html } from 'lit'
import { isSafeAvatar } from '../lib/avatar-image.ts'

/** A round avatar: the person's image when it is a safe raster data URL, else initials on a colour from their id. */
export class CsAvatar extends LitElement {
  static override properties = {
    name: {},
    userId: { attribute: 'user-id' },
    src: {},
    size: { type: Number },
    presence: {}
  }

  declare name: string
  declare userId: string
  declare src: string | undefined
  declare size: number
  declare presence: 'online' | 'away' | 'offline' | undefined

  constructor () {
    super()
    this.name = ''
    this.userId = ''
    this.size = 36
  }

  static override styles = css`
    :host { display: inline-block; position: relative; flex: none; }
    .a { border-radius: 50%; display: grid; place-items: center; overflow: hidden; font-weight: 700; color: #fff;
      user-select: none; }
    img { width: 100%; height: 100%; object-fit: cover; display: block; }
    .dot { position: absolute; right: -1px; bottom: -1px; width: 30%; height: 30%; min-width: 9px; min-height: 9px;
      border-radius: 50%; border: 2px solid var(--cs-surface); background: var(--cs-text-muted); }
    .dot.online { background: var(--cs-success); }
    .dot.away { background: #d08700; }
    .h0 { background: #3450c8; } .h1 { background: #8a3ffc; } .h2 { background: #0f7b6c; } .h3 { background: #b3261e; }
    .h4 { background: #a14a00; } .h5 { background: #1b6fa8; } .h6 { background: #6b3fa0; } .h7 { background: #2e7d32; }
    .s24 { width: 24px; height: 24px; font-size: 11px; } .s36 { width: 36px; height: 36px; font-size: 15px; }
    .s48 { width: 48px; height: 48px; font-size: 19px; } .s72 { width: 72px; height: 72px; font-size: 28px; }
  `

  override render (): unknown {
    let hash = 0
    for (const ch of this.userId || this.name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
    const initials = [...this.name.trim()].slice(0, 1).join('').toUpperCase() || '?'
    const sizeClass = this.size <= 24 ? 's24' : this.size <= 36 ? 's36' : this.size <= 48 ? 's48' : 's72'
    // Decorative: the name is always shown or labelled next to the avatar.
    return html`<div class="a ${sizeClass} h${hash % 8}" aria-hidden="true">${isSafeAvatar(this.src)
      ? html`<img alt="" src=${this.src} referrerpolicy="no-referrer">`
      : initials}</div>${this.presence !== undefined ? html`<span class="dot ${this.presence}" aria-hidden="true"></span>` : ''}`
  }
}

customElements.define('cs-avatar', CsAvatar)

declare global {
  interface HTMLElementTagNameMap { 'cs-avatar': CsAvatar }
}
