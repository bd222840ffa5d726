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
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as libp2pEd from '../../../web/src/build/libp2p-ed25519.ts'
import { Netmask as RealNetmask } from 'netmask'
import { Netmask } from '../../../web/src/build/netmask-ipv4.ts'
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

describe('libp2p Ed25519 stand-in (cached keys)', () => {
  it('signs the same bytes as libp2p and verifies like it', async () => {
    const key = await generateKeyPair('Ed25519')
    const msg = new TextEncoder().encode('gossipsub message')
    const ours = await libp2pEd.hashAndSign(key.raw, msg)
    expect(Array.from(ours)).toEqual(Array.from(await key.sign(msg)))
    expect(await libp2pEd.hashAndVerify(key.publicKey.raw, ours, msg)).toBe(true)
    expect(await key.publicKey.verify(msg, ours)).toBe(true)
    const bad = ours.slice()
    bad[0] = (bad[0] ?? 0) ^ 1
    expect(await libp2pEd.hashAndVerify(key.publicKey.raw, bad, msg)).toBe(false)
    expect(await libp2pEd.hashAndVerify(key.publicKey.raw, ours.subarray(1), msg)).toBe(false)
  })

  it('derives keys like libp2p (seed, then public key)', () => {
    const seed = new Uint8Array(32).fill(7)
    const { privateKey, publicKey } = libp2pEd.generateKeyFromSeed(seed)
    expect(privateKey.subarray(0, 32)).toEqual(seed)
    expect(privateKey.subarray(32)).toEqual(publicKey)
    expect(libp2pEd.generateKey().privateKey.length).toBe(libp2pEd.privateKeyLength)
  })
})

describe('netmask stand-in (IPv4 only)', () => {
  it('answers like netmask for the private ranges libp2p checks', () => {
    const ranges = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.8/32', '192.168.0.0/16', '198.18.0.0/15', '240.0.0.0/4', '255.255.255.255/32']
    const ips = ['10.1.2.3', '11.0.0.1', '100.127.255.255', '100.128.0.0', '127.0.0.1', '172.31.255.255', '172.32.0.0', '192.0.0.8', '192.0.0.9', '192.168.1.1', '198.19.255.255', '255.255.255.255', '8.8.8.8', '0.0.0.0']
    let seed = 1
    for (let i = 0; i < 300; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0
      ips.push([seed >>> 24, (seed >>> 16) & 255, (seed >>> 8) & 255, seed & 255].join('.'))
    }
    for (const r of ranges) {
      const ours = new Netmask(r)
      const real = new RealNetmask(r)
      for (const ip of ips) expect(ours.contains(ip), `${r} ${ip}`).toBe(real.contains(ip))
    }
  })

  it('throws on an invalid address like netmask, and on an IPv6 range', () => {
    expect(() => new Netmask('10.0.0.0/8').contains('NaN.NaN.NaN.NaN')).toThrow()
    expect(() => new RealNetmask('10.0.0.0/8').contains('NaN.NaN.NaN.NaN')).toThrow()
    expect(() => new Netmask('fc00::/7')).toThrow()
  })
})
