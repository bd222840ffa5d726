import { describe, expect, it } from 'vitest'
import { correction, generate } from 'lean-qr'
import { terminalQr } from '../../../src/cli/commands-device.ts'

describe('terminal QR code', () => {
  it('draws every module of the code with half blocks, two rows per line, inside a quiet zone', () => {
    const text = 'csl1.' + 'A'.repeat(300)
    const out = terminalQr(text).split('\n')
    const size = generate(text, { minCorrectionLevel: correction.M }).size + 4
    expect(out).toHaveLength(Math.ceil(size / 2))
    for (const line of out) expect([...line]).toHaveLength(size)
    expect(new Set(terminalQr(text).replace(/\n/gu, ''))).toEqual(new Set(['█', '▀', '▄', ' ']))
    // The quiet zone is light on every side.
    expect(out[0]).toBe('█'.repeat(size))
    for (const line of out) expect(line.startsWith('██') && line.endsWith('██')).toBe(true)
  })
})
