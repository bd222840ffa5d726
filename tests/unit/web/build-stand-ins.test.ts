// The web build replaces a few libraries with smaller stand-ins (web/vite.config.ts). These check that each one
// behaves as its doc says: the marked cut tokenizes exactly like marked, secp256k1 and DNS refuse, loggers are off.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UnsupportedKeyTypeError } from '@libp2p/interface'
import { Lexer } from 'marked'
import { markedLexerOnly } from '../../../web/build/marked-lexer-only.ts'
import { secp256k1 } from '../../../web/src/build/secp256k1-unsupported.ts'
import { DNSUnsupportedError, dns } from '../../../web/src/build/dns-unsupported.ts'
import { defaultLogger, logger, peerLogger, prefixLogger } from '../../../web/src/build/libp2p-logger-off.ts'
import { xssCorpus } from '../../browser/support/xss-corpus.ts'

const MARKED = fileURLToPath(import.meta.resolve('marked'))

describe('marked, lexer only', () => {
  it('tokenizes every sample exactly like the full marked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-marked-'))
    try {
      const file = join(dir, 'marked-lexer-only.mjs')
      writeFileSync(file, markedLexerOnly(readFileSync(MARKED, 'utf8')))
      const cut = await import(pathToFileURL(file).href) as { Lexer: typeof Lexer, marked?: unknown }
      expect(cut.marked).toBeUndefined()
      const samples = [
        '**bold** _italic_ ~~gone~~ `code` [link](https://example.org) <b>raw</b>\nline two',
        '- one\n- two\n  1. nested\n\n> quote\n\n```js\nlet x = 1\n```\n# heading\n|a|b|\n|-|-|\n|1|2|',
        ...xssCorpus().map((p) => p.text)
      ]
      for (const s of samples) {
        expect(new cut.Lexer({ gfm: true, breaks: true }).lex(s)).toEqual(new Lexer({ gfm: true, breaks: true }).lex(s))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a file whose shape it does not know', () => {
    expect(() => markedLexerOnly('export{a as marked};')).toThrow()
  })
})

describe('secp256k1 stand-in', () => {
  it('throws UnsupportedKeyTypeError for every operation libp2p uses', () => {
    expect(() => secp256k1.Point.fromBytes()).toThrow(UnsupportedKeyTypeError)
    expect(() => secp256k1.verify()).toThrow(UnsupportedKeyTypeError)
    expect(() => secp256k1.sign()).toThrow(UnsupportedKeyTypeError)
    expect(() => secp256k1.getPublicKey()).toThrow(UnsupportedKeyTypeError)
    expect(() => secp256k1.utils.randomSecretKey()).toThrow(UnsupportedKeyTypeError)
  })
})

describe('DNS stand-in', () => {
  it('fails every query with a typed error', async () => {
    await expect(dns().query('_dnsaddr.example.org')).rejects.toBeInstanceOf(DNSUnsupportedError)
  })
})

describe('libp2p logger stand-in', () => {
  it('gives disabled loggers with the Logger shape', () => {
    const logs = [logger('a'), defaultLogger().forComponent('b'), prefixLogger('p').forComponent('c'), peerLogger({ toString: () => 'peer' } as never).forComponent('d')]
    for (const log of logs) {
      expect(log.enabled).toBe(false)
      expect(() => { log('x %s', 1); log.error('e'); log.trace('t'); log.newScope('s')('y') }).not.toThrow()
    }
  })
})
