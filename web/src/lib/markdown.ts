import { html, nothing } from 'lit'
import type { TemplateResult } from 'lit'
import { Lexer } from 'marked'
import type { Token, Tokens } from 'marked'

/**
 * Renders the formatting subset (bold, italic, strikethrough, inline and block code, links, lists, quotes,
 * line breaks) of a message as Lit templates. marked only tokenizes; every string reaches the DOM as text through
 * Lit bindings, so HTML in a message is shown literally. Tokens outside the subset (raw HTML, images, headings,
 * tables) are shown as their source text.
 */

/** Schemes a link may use; anything else (javascript:, data:, vbscript:, file:, ...) stays plain text. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:'])
/** Messages are at most 16 KiB; deeper nesting than this is shown as text (bounded recursion). */
const MAX_DEPTH = 8

/** The URL if it is absolute with an allowed scheme, else undefined. */
export function safeHref (href: string): string | undefined {
  try {
    const url = new URL(href)
    return SAFE_SCHEMES.has(url.protocol) ? url.href : undefined
  } catch {
    return undefined
  }
}

const lexer = (): Lexer => new Lexer({ gfm: true, breaks: true })

export function renderMarkdown (text: string): TemplateResult {
  let tokens: Token[]
  try {
    tokens = lexer().lex(text)
  } catch {
    return html`<p>${text}</p>`
  }
  return html`${tokens.map((tok) => block(tok, 0))}`
}

function block (tok: Token, depth: number): unknown {
  if (depth > MAX_DEPTH) return tok.raw
  switch (tok.type) {
    case 'paragraph':
      return html`<p>${inline((tok as Tokens.Paragraph).tokens, depth + 1)}</p>`
    case 'text': {
      const t = tok as Tokens.Text
      return html`<p>${t.tokens !== undefined ? inline(t.tokens, depth + 1) : t.text}</p>`
    }
    case 'code':
      // Focusable: a long line scrolls the block sideways, and keyboard users must be able to scroll it too.
      return html`<pre tabindex="0"><code>${(tok as Tokens.Code).text}</code></pre>`
    case 'list': {
      const list = tok as Tokens.List
      const items = list.items.map((item) => html`<li>${item.tokens.map((t) => listChild(t, depth + 1))}</li>`)
      return list.ordered ? html`<ol start=${typeof list.start === 'number' ? list.start : 1}>${items}</ol>` : html`<ul>${items}</ul>`
    }
    case 'blockquote':
      return html`<blockquote>${(tok as Tokens.Blockquote).tokens.map((t) => block(t, depth + 1))}</blockquote>`
    case 'space':
      return nothing
    default:
      // heading, hr, html, table, def, ...: not in the subset, shown as typed.
      return html`<p>${tok.raw.trimEnd()}</p>`
  }
}

/** A list item's "text" children are tight paragraphs: render them inline, not as <p>. */
function listChild (tok: Token, depth: number): unknown {
  if (tok.type === 'text') {
    const t = tok as Tokens.Text
    return t.tokens !== undefined ? inline(t.tokens, depth) : t.text
  }
  return block(tok, depth)
}

function inline (tokens: Token[] | undefined, depth: number): unknown {
  if (tokens === undefined) return nothing
  return tokens.map((tok) => inlineOne(tok, depth))
}

function inlineOne (tok: Token, depth: number): unknown {
  if (depth > MAX_DEPTH) return tok.raw
  switch (tok.type) {
    case 'strong':
      return html`<strong>${inline((tok as Tokens.Strong).tokens, depth + 1)}</strong>`
    case 'em':
      return html`<em>${inline((tok as Tokens.Em).tokens, depth + 1)}</em>`
    case 'del':
      return html`<del>${inline((tok as Tokens.Del).tokens, depth + 1)}</del>`
    case 'codespan':
      return html`<code>${(tok as Tokens.Codespan).text}</code>`
    case 'br':
      return html`<br>`
    case 'link': {
      const link = tok as Tokens.Link
      const href = safeHref(link.href)
      if (href === undefined) return link.raw
      return html`<a href=${href} target="_blank" rel="noopener noreferrer">${inline(link.tokens, depth + 1)}</a>`
    }
    case 'text': {
      const t = tok as Tokens.Text
      return t.tokens !== undefined ? inline(t.tokens, depth + 1) : t.text
    }
    case 'escape':
      return (tok as Tokens.Escape).text
    default:
      // html tags, images, checkboxes: the characters the author typed, as text.
      return tok.raw
  }
}

/** The words of a message without its formatting marks, for one-line previews, search results and notifications. */
export function plainText (text: string): string {
  let tokens: Token[]
  try {
    tokens = lexer().lex(text)
  } catch {
    return text
  }
  const out: string[] = []
  const walk = (list: Token[] | undefined, depth: number): void => {
    for (const tok of list ?? []) {
      const nested = (tok as { tokens?: Token[] }).tokens
      const items = (tok as { items?: Token[] }).items
      if (depth < MAX_DEPTH && items !== undefined) walk(items, depth + 1)
      else if (depth < MAX_DEPTH && nested !== undefined && nested.length > 0) walk(nested, depth + 1)
      else if (tok.type === 'space' || tok.type === 'br') out.push(' ')
      else out.push('text' in tok && typeof tok.text === 'string' ? tok.text : tok.raw)
      if (tok.type === 'paragraph' || tok.type === 'list_item' || tok.type === 'code') out.push(' ')
    }
  }
  walk(tokens, 0)
  return out.join('').replace(/\s+/g, ' ').trim()
}
