import { describe, expect, it } from 'vitest'
import { foldMessages } from '../../../src/chat/fold.ts'
import type { Body, OpenedMessage } from '../../../src/envelope/types.ts'

let n = 0
function msg (authorId: string, body: Body, time = ++n): OpenedMessage {
  const id = new Uint8Array(16).fill(n)
  return { id, idText: Buffer.from(id).toString('hex'), kind: 1, epoch: 0, author: new Uint8Array(32), authorId, device: 1, seq: n, time, body }
}

describe('foldMessages', () => {
  it('applies edits, deletes and reactions; only the author edits or deletes; names come from profiles', () => {
    const a = msg('ana', { k: 'text', text: 'hello' })
    const b = msg('ben', { k: 'text', text: 'hi', reply: a.id })
    const out = foldMessages([
      msg('ana', { k: 'profile', name: 'Ana' }), a, b,
      msg('ben', { k: 'edit', target: a.id, text: 'forged edit' }),
      msg('ana', { k: 'edit', target: a.id, text: 'hello!' }),
      msg('ben', { k: 'react', target: a.id, emoji: '👍', on: true }),
      msg('ana', { k: 'react', target: a.id, emoji: '👍', on: true }),
      msg('ana', { k: 'react', target: a.id, emoji: '👍', on: false }),
      msg('ana', { k: 'delete', target: b.id }),
      msg('ben', { k: 'delete', target: b.id })
    ])
    expect(out.views).toHaveLength(2)
    const [va, vb] = out.views
    expect(va).toMatchObject({ text: 'hello!', edited: true, authorName: 'Ana', reactions: { '👍': ['ben'] } })
    expect(vb).toMatchObject({ deleted: true, text: '', replyTo: a.idText })
    expect(out.names.get('ana')).toBe('Ana')
  })
  it('ignores targets it does not know and kinds it does not show', () => {
    const out = foldMessages([msg('x', { k: 'edit', target: new Uint8Array(16), text: 'nothing' }), msg('x', { k: 'room', name: 'r' })])
    expect(out.views).toEqual([])
  })
})
