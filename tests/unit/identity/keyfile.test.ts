import { describe, it, expect } from 'vitest'
import { createIdentity } from '../../../src/identity/identity.ts'
import { exportKeyFile, importKeyFile, KEYFILE_TYPE } from '../../../src/identity/keyfile.ts'
import { KEYFILE_SCRYPT_LOG_N, KEYFILE_SCRYPT_MIN_LOG_N, MAX_KEYFILE_BYTES } from '../../../src/constants.ts'
import { InvalidArgumentError, MalformedError, OversizedError, WrongPassphraseError } from '../../../src/errors.ts'
import { toBase64Url } from '../../../src/crypto/encoding.ts'

// The cheapest cost the importer accepts keeps these tests fast; the default cost is tested once below.
const FAST = { logN: KEYFILE_SCRYPT_MIN_LOG_N }

describe('key file', () => {
  const id = createIdentity()

  it('restores the same identity with the right passphrase', async () => {
    const text = await exportKeyFile(id, 'correct horse battery staple', FAST)
    const json = JSON.parse(text)
    expect(json.type).toBe(KEYFILE_TYPE)
    expect(json.version).toBe(1)
    expect(json.userId).toBe(id.userId)
    expect(json.kdf).toMatchObject({ name: 'scrypt', logN: KEYFILE_SCRYPT_MIN_LOG_N, r: 8, p: 1 })
    expect(text).not.toContain(toBase64Url(id.seed))
    const back = await importKeyFile(text, 'correct horse battery staple')
    expect(back.userId).toBe(id.userId)
    expect(back.seed).toEqual(id.seed)
  })

  it('uses the strong default cost (scrypt N = 2^17) when not told otherwise', async () => {
    const text = await exportKeyFile(id, 'pw')
    expect(JSON.parse(text).kdf.logN).toBe(KEYFILE_SCRYPT_LOG_N)
    expect((await importKeyFile(text, 'pw')).userId).toBe(id.userId)
  })

  it('normalises the passphrase (NFKC), so the same text typed differently works', async () => {
    const text = await exportKeyFile(id, 'caf\u00e9', FAST)
    expect((await importKeyFile(text, 'cafe\u0301')).userId).toBe(id.userId)
  })

  it('says "wrong passphrase" for a wrong passphrase or an altered sealed part', async () => {
    const text = await exportKeyFile(id, 'right', FAST)
    await expect(importKeyFile(text, 'wrong')).rejects.toThrow(WrongPassphraseError)
    await expect(importKeyFile(text, 'wrong')).rejects.toThrow(/wrong passphrase/)
    const json = JSON.parse(text)
    json.box = json.box.slice(0, 10) + (json.box[10] === 'A' ? 'B' : 'A') + json.box.slice(11)
    await expect(importKeyFile(JSON.stringify(json), 'right')).rejects.toThrow(WrongPassphraseError)
    const salted = JSON.parse(text)
    salted.kdf.salt = toBase64Url(new Uint8Array(16))
    await expect(importKeyFile(JSON.stringify(salted), 'right')).rejects.toThrow(WrongPassphraseError)
  })

  it('refuses files that are not key files, or are damaged, with MalformedError', async () => {
    const text = await exportKeyFile(id, 'pw', FAST)
    const edit = (f: (j: Record<string, any>) => void): string => { const j = JSON.parse(text); f(j); return JSON.stringify(j) } // eslint-disable-line @typescript-eslint/no-explicit-any
    const bad = [
      'not json',
      '[]',
      'null',
      edit((j) => { j.type = 'other' }),
      edit((j) => { j.version = 2 }),
      edit((j) => { j.kdf.name = 'pbkdf2' }),
      edit((j) => { delete j.kdf }),
      edit((j) => { j.kdf.logN = 30 }),
      edit((j) => { j.kdf.logN = 10 }),
      edit((j) => { j.kdf.logN = 14.5 }),
      edit((j) => { j.kdf.r = 1000 }),
      edit((j) => { j.kdf.p = 0 }),
      edit((j) => { j.kdf.salt = 'AAAA' }),
      edit((j) => { j.nonce = '!!!' }),
      edit((j) => { j.box = j.box + 'AAAA' }),
      edit((j) => { j.userId = createIdentity().userId })
    ]
    for (const b of bad) await expect(importKeyFile(b, 'pw'), b.slice(0, 80)).rejects.toThrow(MalformedError)
  })

  it('refuses an oversized file before parsing it', async () => {
    await expect(importKeyFile(' '.repeat(MAX_KEYFILE_BYTES + 1), 'pw')).rejects.toThrow(OversizedError)
  })

  it('refuses an empty passphrase and out-of-bounds options on export', async () => {
    await expect(exportKeyFile(id, '', FAST)).rejects.toThrow(InvalidArgumentError)
    await expect(exportKeyFile(id, 'pw', { logN: 8 })).rejects.toThrow(InvalidArgumentError)
  })
})
