import { LitElement, css, html, svg } from 'lit'
import type { generate as Generate } from 'lean-qr'

/** Modules of quiet zone around the code (the QR spec asks for 4). */
const QUIET_ZONE = 4

/** SVG path data for the dark modules of `text` as a QR code (one "h1v1h-1z" square per module). */
export function qrPath (generate: typeof Generate, correctionM: Parameters<typeof Generate>[1], text: string): { size: number, d: string } {
  const qr = generate(text, correctionM)
  const n = qr.size
  const parts: string[] = []
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.get(c, r)) parts.push(`M${c + QUIET_ZONE} ${r + QUIET_ZONE}h1v1h-1z`)
  }
  return { size: n + 2 * QUIET_ZONE, d: parts.join('') }
}

/** lean-qr (about 3.5 kB gzip, half of qrcode-generator), loaded on first use. */
let encoder: { generate: typeof Generate, options: Parameters<typeof Generate>[1] } | undefined

/** A QR code drawn as one SVG path through Lit's svg template (no innerHTML, no data URL). The encoder loads on first use. */
export class CsQrCode extends LitElement {
  static override properties = {
    value: {},
    label: {}
  }

  declare value: string
  declare label: string

  constructor () {
    super()
    this.value = ''
    this.label = ''
  }

  static override styles = css`
    :host { display: block; }
    svg { display: block; width: 100%; height: auto; background: #fff; border-radius: 8px; }
  `

  override render (): unknown {
    if (this.value === '') return html``
    if (encoder === undefined) {
      void import('lean-qr').then((m) => { encoder = { generate: m.generate, options: { minCorrectionLevel: m.correction.M } }; this.requestUpdate() })
      return html`<svg role="img" aria-label=${this.label} aria-busy="true" viewBox="0 0 1 1"></svg>`
    }
    const { size, d } = qrPath(encoder.generate, encoder.options, this.value)
    // Dark on white whatever the theme: scanners need the contrast.
    return html`<svg role="img" aria-label=${this.label} viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">
      ${svg`<path fill="#000" d=${d}></path>`}</svg>`
  }
}

customElements.define('cs-qr-code', CsQrCode)

declare global {
  interface HTMLElementTagNameMap { 'cs-qr-code': CsQrCode }
}
