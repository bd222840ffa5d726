/**
 * The XSS corpus of issue 8 (test 8), generated combinatorially: attack vectors from seven families (script tags,
 * event handlers, javascript:/data: links, SVG, HTML, markdown tricks, unicode tricks) × script bodies × the
 * markdown context they sit in. Every script body calls a canary (`__xssCanary(id)`, `alert(id)`, a property set on
 * `top`, or a fetch of a canary URL) with the payload's own id, so an execution names the payload that caused it.
 */

/** One payload and where it goes. */
export interface XssPayload {
  id: number
  family: string
  /** Where it is shown: message text, display name, room name (invite link) or file name. */
  field: 'message' | 'name' | 'room' | 'file'
  text: string
}

/** URL path a network canary requests (the test watches for it). */
export const CANARY_PATH = '/xss-canary'

const bodies: Array<(id: number) => string> = [
  (id) => `__xssCanary(${id})`,
  (id) => `alert(${id})`,
  (id) => `top.__xssHit=${id}`,
  (id) => `fetch('${CANARY_PATH}?${id}')`
]

/** Vectors: each takes a script body (JS source) and returns the attack text. */
const vectors: Array<[string, (js: string) => string]> = [
  // script tags
  ['script', (js) => `<script>${js}</script>`],
  ['script', (js) => `<ScRiPt>${js}</sCrIpT>`],
  ['script', (js) => `<script/x>${js}</script>`],
  ['script', (js) => `</textarea></title></style><script>${js}</script>`],
  ['script', (js) => `<script src="data:text/javascript,${encodeURIComponent(js)}"></script>`],
  ['script', (js) => `"><script>${js}</script>`],
  ['script', (js) => `'><script>${js}</script>`],
  ['script', (js) => `<noscript><p title="</noscript><script>${js}</script>">`],
  // event handlers
  ...(['img src=x onerror', 'img src=x onload', 'svg onload', 'body onload', 'iframe onload', 'video src=x onerror', 'audio src=x onerror',
    'details open ontoggle', 'input autofocus onfocus', 'select autofocus onfocus', 'textarea autofocus onfocus', 'marquee onstart',
    'object data=x onerror', 'div onmouseover', 'a href=# onclick', 'style onload', 'link rel=stylesheet href=x onerror',
    'div style="animation-name:spin" onanimationstart', 'x contenteditable onfocus autofocus', 'image src=x onerror'] as const)
    .map((h): [string, (js: string) => string] => ['event handler', (js) => `<${h}="${js}">`]),
  ['event handler', (js) => `<img src=x onerror=${js}>`],
  ['event handler', (js) => `<img src=x onerror=&#x61;lert(1);${js}>`],
  ['event handler', (js) => `<img """><script>${js}</script>">`],
  // links
  ['link', (js) => `[click](javascript:${js})`],
  ['link', (js) => `[click](JaVaScRiPt:${js})`],
  ['link', (js) => `[click](java\tscript:${js})`],
  ['link', (js) => `[click]( javascript:${js})`],
  ['link', (js) => `[click](&#106;avascript:${js})`],
  ['link', (js) => `[click](%6Aavascript:${js})`],
  ['link', (js) => `[click](<javascript:${js}>)`],
  ['link', (js) => `[click](vbscript:${js})`],
  ['link', (js) => `[click](data:text/html;base64,${Buffer.from(`<script>${js}</script>`).toString('base64')})`],
  ['link', (js) => `[click](data:text/html,<script>${js}</script>)`],
  ['link', (js) => `<a href="javascript:${js}">click</a>`],
  ['link', (js) => `<javascript:${js}>`],
  ['link', (js) => `[ref][x]\n\n[x]: javascript:${js}`],
  ['link', (js) => `![img](javascript:${js})`],
  ['link', (js) => `[click](https://example.com" onclick="${js})`],
  ['link', (js) => `[click](https://example.com'onmouseover='${js})`],
  ['link', (js) => `<a href="data:text/html,<script>${js}</script>">click</a>`],
  ['link', (js) => `<form action="javascript:${js}"><button>go</button></form>`],
  // SVG
  ['svg', (js) => `<svg><script>${js}</script></svg>`],
  ['svg', (js) => `<svg><animate onbegin="${js}" attributeName=x dur=1s>`],
  ['svg', (js) => `<svg><a xlink:href="javascript:${js}"><text y=20>x</text></a></svg>`],
  ['svg', (js) => `<svg><set attributeName=href to="javascript:${js}"/></svg>`],
  ['svg', (js) => `<svg><foreignObject><iframe srcdoc="<script>${js}</script>"></iframe></foreignObject></svg>`],
  ['svg', (js) => `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='x' onerror='${js}'/></svg>#x"/></svg>`],
  // HTML
  ['html', (js) => `<iframe srcdoc="<script>${js}</script>"></iframe>`],
  ['html', (js) => `<iframe src="javascript:${js}"></iframe>`],
  ['html', (js) => `<meta http-equiv="refresh" content="0;url=javascript:${js}">`],
  ['html', (js) => `<base href="javascript:${js}//">`],
  ['html', (js) => `<object data="javascript:${js}"></object>`],
  ['html', (js) => `<embed src="javascript:${js}">`],
  ['html', (js) => `<button formaction="javascript:${js}">x</button>`],
  ['html', (js) => `<math><mtext><table><mglyph><style><img src=x onerror="${js}">`],
  ['html', (js) => `<template><img src=x onerror="${js}"></template>`],
  ['html', (js) => `<div style="background:url(javascript:${js})">x</div>`],
  ['html', (js) => `<isindex action="javascript:${js}" type=image>`],
  ['html', (js) => `<!--<img src="--><img src=x onerror=${js}//">`],
  // markdown tricks
  ['markdown', (js) => `**<img src=x onerror=${js}>**`],
  ['markdown', (js) => `\`<img src=x onerror=${js}>\` [ok](https://example.com)`],
  ['markdown', (js) => `\`\`\`html\n<script>${js}</script>\n\`\`\``],
  ['markdown', (js) => `# <img src=x onerror=${js}>`],
  ['markdown', (js) => `| a | b |\n| - | - |\n| <img src=x onerror=${js}> | [x](javascript:${js}) |`],
  ['markdown', (js) => `- [ ] <script>${js}</script>\n- [x] item`],
  ['markdown', (js) => `> <svg onload=${js}>`],
  ['markdown', (js) => `[[nested](javascript:${js})](https://example.com)`],
  ['markdown', (js) => `<div>\n\n*<img src=x onerror=${js}>*\n\n</div>`],
  ['markdown', (js) => `![](https://example.com/x.png" onerror="${js})`],
  ['markdown', (js) => `[x](javascript:${js} "title")`],
  ['markdown', (js) => `\\<script>${js}\\</script>`],
  // unicode tricks
  ['unicode', (js) => `＜script＞${js}＜/script＞`],
  ['unicode', (js) => `[x](java\u200bscript:${js})`],
  ['unicode', (js) => `[x](java\u0000script:${js})`],
  ['unicode', (js) => `\u202e<img src=x onerror=${js}>`],
  ['unicode', (js) => `<img src=x on\u0000error=${js}>`],
  ['unicode', (js) => `<scr\u0130pt>${js}</scr\u0130pt>`],
  ['unicode', (js) => `\ufeff<svg/onload=${js}>`],
  ['unicode', (js) => `[x](\u2028javascript:${js})`],
  ['unicode', (js) => `<img src=x onerror=${js}>\u0301\u0301\u0301`],
  ['unicode', (js) => `%3Cscript%3E${encodeURIComponent(js)}%3C/script%3E`],
  ['unicode', (js) => `&lt;script&gt;${js}&lt;/script&gt;`],
  ['unicode', (js) => `\\u003cscript\\u003e${js}\\u003c/script\\u003e`]
]

/** Markdown contexts a vector can sit in (the renderer must be safe in every one). */
const wrappers: Array<(s: string) => string> = [
  (s) => s,
  (s) => `hello ${s} world`,
  (s) => `**${s}**`,
  (s) => `- ${s}`,
  (s) => `> ${s}`,
  (s) => `_${s}_ and ~~${s}~~`,
  (s) => `line one\n${s}\nline three`
]

/**
 * The full corpus: every vector × script body × context for messages, and per-field subsets for display names
 * (≤ 128 bytes), room names (≤ 256 bytes) and file names (≤ 512 bytes). Ids are stable across runs.
 */
export function xssCorpus (): XssPayload[] {
  const out: XssPayload[] = []
  let id = 1
  for (const [family, v] of vectors) {
    for (const [bi, body] of bodies.entries()) {
      for (const [wi, wrap] of wrappers.entries()) {
        // Every vector in every context with the first body; the other bodies in the first three contexts.
        if (bi > 0 && wi > 2) continue
        const myId = id++
        out.push({ id: myId, family, field: 'message', text: wrap(v(body(myId))) })
      }
    }
  }
  const utf8 = new TextEncoder()
  const fields: Array<[XssPayload['field'], number]> = [['name', 128], ['room', 200], ['file', 400]]
  for (const [field, max] of fields) {
    for (const [family, v] of vectors) {
      // Room names cost a page load each (joined through an invite link): one body for them.
      for (const body of bodies.slice(0, field === 'room' ? 1 : bodies.length)) {
        const myId = id++
        const text = v(body(myId))
        if (utf8.encode(text).length <= max && text.trim().length > 0) out.push({ id: myId, family, field, text })
      }
    }
  }
  return out
}

/** A deterministic spread of `n` payloads covering every family and field (for the short run in npm test). */
export function xssSample (corpus: XssPayload[], n: number): XssPayload[] {
  if (n >= corpus.length) return corpus
  const step = corpus.length / n
  const picked = new Map<number, XssPayload>()
  for (let i = 0; i < n; i++) { const p = corpus[Math.floor(i * step)]; if (p != null) picked.set(p.id, p) }
  for (const field of ['message', 'name', 'room', 'file'] as const) {
    for (const family of new Set(corpus.map(p => p.family))) {
      const p = corpus.find(x => x.field === field && x.family === family)
      if (p != null && field !== 'room') picked.set(p.id, p)
    }
  }
  return [...picked.values()].sort((a, b) => a.id - b.id)
}
