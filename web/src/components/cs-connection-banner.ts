import { LitElement, css, html } from 'lit'
import type { ConnectionInfo, PeerLink } from '../core/backend.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import type { MessageKey } from '../i18n/en.ts'

const PATH_KEYS: Record<NonNullable<ConnectionInfo['path']>, MessageKey> = { lan: 'pathLan', direct: 'pathDirect', relay: 'pathRelay' }

/** Words for the path to one member device. */
function peerPathText (p: PeerLink): string {
  if (p.path === 'direct' && p.transport === 'webrtc') return t('pathWebrtc')
  if (p.path === 'none') return t('pathNone')
  if (p.path === 'relay' && p.connecting) return `${t('pathRelay')}, ${t('pathConnectingDirect')}`
  return t(PATH_KEYS[p.path])
}

/**
 * A banner while offline or reconnecting; a quiet status line with the path (LAN, direct, relay) when online, and
 * the path to each member device. When no direct connection to someone could be made, says so: files then go
 * through the relay.
 */
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
    .peers { list-style: none; display: inline; margin: 0; padding: 0; }
    div.ok { display: block; }
    .peers li { display: inline; }
    .peers li::before { content: '\\00b7'; margin: 0 .4em; }
    .warn { margin: 0; padding: 4px 16px; font-size: .82rem; background: var(--cs-warning-bg); color: var(--cs-warning-text); }
  `

  override render (): unknown {
    const info = this.info
    if (info === undefined) return html``
    const path = info.path !== undefined ? t('connPath', { path: t(PATH_KEYS[info.path]) }) : ''
    if (info.state === 'offline' && info.error !== undefined) {
      return html`<p class="banner" role="alert">${t('connNetworkFailed', { error: info.error })}
        <button class="ghost" @click=${() => { location.reload() }}>${t('reloadPage')}</button></p>`
    }
    if (info.state === 'offline') return html`<p class="banner" role="status">${t('connOffline')}</p>`
    if (info.state === 'connecting') return html`<p class="banner" role="status">${t('connConnecting')} ${path}</p>`
    const peers = (info.peers ?? []).filter((p) => p.path !== 'none' || p.directFailed)
    const failed = peers.filter((p) => p.directFailed)
    return html`
      <div class="ok" role="status" data-path=${info.path ?? ''}>${t('connOnline')} ${path}${peers.length > 0
        ? html`<ul class="peers">${peers.map((p) => html`<li data-peer=${p.peerId} data-peer-path=${p.path} data-transport=${p.transport ?? ''}>${t('peerPath', { name: p.name ?? t('someone'), path: peerPathText(p) })}</li>`)}</ul>`
        : ''}</div>
      ${failed.map((p) => html`<p class="warn" role="note">${t('directFailed', { name: p.name ?? t('someone') })}</p>`)}`
  }
}

customElements.define('cs-connection-banner', CsConnectionBanner)

declare global {
  interface HTMLElementTagNameMap { 'cs-connection-banner': CsConnectionBanner }
}
