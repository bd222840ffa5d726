import { LitElement, css, html } from 'lit'
import type { ConnectionInfo } from '../core/backend.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import type { MessageKey } from '../i18n/en.ts'

const PATH_KEYS: Record<NonNullable<ConnectionInfo['path']>, MessageKey> = { lan: 'pathLan', direct: 'pathDirect', relay: 'pathRelay' }

/** A banner while offline or reconnecting; a quiet status line with the path (LAN, direct, relay) when online. */
export class CsConnectionBanner extends LitElement {
  static override properties = { info: { attribute: false } }
  declare info: ConnectionInfo | undefined

  constructor () {
    super()
    new LocaleController(this)
  }

  static override styles = css`
    :host { display: block; }
    .banner { margin: 0; padding: 8px 16px; font-size: .9rem; background: var(--cs-warning-bg); color: var(--cs-warning-text); font-weight: 600; }
    .ok { margin: 0; padding: 2px 16px; font-size: .78rem; color: var(--cs-text-muted); background: var(--cs-surface); text-align: right; }
  `

  override render (): unknown {
    const info = this.info
    if (info === undefined) return html``
    const path = info.path !== undefined ? t('connPath', { path: t(PATH_KEYS[info.path]) }) : ''
    if (info.state === 'offline') return html`<p class="banner" role="status">${t('connOffline')}</p>`
    if (info.state === 'connecting') return html`<p class="banner" role="status">${t('connConnecting')} ${path}</p>`
    return html`<p class="ok" role="status" data-path=${info.path ?? ''}>${t('connOnline')} ${path}</p>`
  }
}

customElements.define('cs-connection-banner', CsConnectionBanner)

declare global {
  interface HTMLElementTagNameMap { 'cs-connection-banner': CsConnectionBanner }
}
