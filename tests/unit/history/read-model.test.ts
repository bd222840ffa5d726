import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { foldMessages, describeGap, gaps } from '../../../src/history/read-model.ts'
import type { Body, OpenedMessage } from '../../../src/envelope/types.ts'

let counter = 0
function msg (author: string, seq: number, body: Body, device = 1): OpenedMessage {
  const id = new Uint8Array(16); new DataView(id.buffer).setUint32(12, ++counter)
  return { id, idText: Buffer.from(id).toString('hex'), kind: 1, epoch: 0, author: new Uint8Array(32), authorId: author, device, seq, time: 1000 + counter, body }
}
const text = (t: string, reply?: Uint8Array): Body => reply === undefined ? { k: 'text', text: t } : { k: 'text', text: t, reply }

describe('read model', () => {
  it('shows texts in log order with names from the latest profile', () => {
    const a1 = msg('ana', 1, { k: 'profile', name: 'Ana' })
    const t1 = msg('ana', 2, text('hola'))
    const t2 = msg('bo', 1, text('hi'))
    const a2 = msg('ana', 3, { k: 'profile', name: 'Ana M.' })
    const m = foldMessages([a1, t1, t2, a2])
    expect(m.views.map(v => [v.text, v.authorName ?? null, v.index])).toEqual([['hola', 'Ana M.', 0], ['hi', null, 1]])
    expect(m.names.get('ana')).toBe('Ana M.')
    expect(m.gaps).toEqual([])
  })

  it('only the author edits or deletes; others are ignored and counted', () => {
    const t = msg('ana', 1, text('original'))
    const foreignEdit = msg('bo', 1, { k: 'edit', target: t.id, text: 'hacked' })
    const foreignDelete = msg('bo', 2, { k: 'delete', target: t.id })
    const e1 = msg('ana', 2, { k: 'edit', target: t.id, text: 'first edit' })
    const e2 = msg('ana', 3, { k: 'edit', target: t.id, text: 'second edit' })
    const m = foldMessages([t, foreignEdit, foreignDelete, e1, e2])
    expect(m.views[0]).toMatchObject({ text: 'second edit', edited: true, deleted: false })
    expect(m.ignored).toMatchObject({ editNotAuthor: 1, deleteNotAuthor: 1 })
  })

  it('a delete keeps the place, clears text and reactions, and blocks later edits', () => {
    const t = msg('ana', 1, text('bye'))
    const r = msg('bo', 1, { k: 'react', target: t.id, emoji: '👍', on: true })
    const d = msg('ana', 2, { k: 'delete', target: t.id })
    const e = msg('ana', 3, { k: 'edit', target: t.id, text: 'back' })
    const after = msg('bo', 2, text('next'))
    const m = foldMessages([t, r, d, e, after])
    expect(m.views.map(v => [v.text, v.deleted])).toEqual([['', true], ['next', false]])
    expect(m.views[0]?.reactions).toEqual({})
    expect(m.ignored.editDeleted).toBe(1)
  })

  it('reactions toggle per user and emoji', () => {
    const t = msg('ana', 1, text('vote'))
    const seq = [
      msg('bo', 1, { k: 'react', target: t.id, emoji: '👍', on: true }),
      msg('cy', 1, { k: 'react', target: t.id, emoji: '👍', on: true }),
      msg('bo', 2, { k: 'react', target: t.id, emoji: '👍', on: true }),
      msg('cy', 2, { k: 'react', target: t.id, emoji: '❤️', on: true }),
      msg('bo', 3, { k: 'react', target: t.id, emoji: '👍', on: false })
    ]
    const m = foldMessages([t, ...seq])
    expect(m.views[0]?.reactions).toEqual({ '👍': ['cy'], '❤️': ['cy'] })
  })

  it('replies point at their target; files show; room name and topic follow the latest room message', () => {
    const t = msg('ana', 1, text('question'))
    const r = msg('bo', 1, text('answer', t.id))
    const f = msg('bo', 2, { k: 'file', name: 'a.png', mime: 'image/png', size: 3, hash: new Uint8Array(32), key: new Uint8Array(32) })
    const room1 = msg('ana', 2, { k: 'room', name: 'Plans', topic: 'trip' })
    const room2 = msg('bo', 3, { k: 'room', name: 'Plans 2' })
    const m = foldMessages([t, r, f, room1, room2])
    expect(m.views[1]?.replyTo).toBe(t.idText)
    expect(m.views[2]?.body.k).toBe('file')
    expect(m.room).toEqual({ name: 'Plans 2', topic: 'trip' })
  })

  it('an edit or reaction that comes before its target waits for it; a duplicate id is ignored', () => {
    const t = msg('ana', 1, text('late'))
    const e = msg('ana', 2, { k: 'edit', target: t.id, text: 'edited early' })
    const orphan = msg('bo', 1, { k: 'react', target: new Uint8Array(16).fill(7), emoji: 'x', on: true })
    const m = foldMessages([e, orphan, t, t])
    expect(m.views.map(v => v.text)).toEqual(['edited early'])
    expect(m.ignored.unknownTarget).toBe(1)
    expect(m.ignored.duplicate).toBe(1)
  })

  it('detects gaps per (author, device) and describes them', () => {
    const list = [
      msg('ana', 1, { k: 'profile', name: 'Ana' }),
      msg('ana', 2, text('a')),
      msg('ana', 5, text('b')),
      msg('ana', 1, text('other device'), 2),
      msg('bo', 1, text('c')),
      msg('bo', 3, text('d'))
    ]
    const g = gaps(list)
    expect(g).toEqual([
      { authorId: 'ana', device: 1, missing: 2, seqs: [3, 4], highest: 5, authorName: 'Ana' },
      { authorId: 'bo', device: 1, missing: 1, seqs: [2], highest: 3 }
    ])
    expect(describeGap(g[0]!)).toBe('2 messages from Ana missing')
    expect(describeGap(g[1]!)).toBe('1 message from bo missing')
  })

  it('gaps equal those of the plain definition (every number up to the highest, minus those seen) for any order', () => {
    const reference = (list: OpenedMessage[]): unknown[] => {
      const by = new Map<string, { authorId: string, device: number, seen: Set<number>, max: number }>()
      for (const m of list) {
        const k = `${m.authorId}/${m.device}`
        const e = by.get(k) ?? { authorId: m.authorId, device: m.device, seen: new Set<number>(), max: 0 }
        by.set(k, e)
        e.seen.add(m.seq)
        e.max = Math.max(e.max, m.seq)
      }
      const out: unknown[] = []
      for (const e of by.values()) {
        const missing: number[] = []
        for (let q = 1; q <= e.max; q++) if (!e.seen.has(q)) missing.push(q)
        if (missing.length > 0) out.push({ authorId: e.authorId, device: e.device, missing: missing.length, seqs: missing.slice(0, 16), highest: e.max })
      }
      return out
    }
    const entry = fc.record({ author: fc.constantFrom('ana', 'bo'), device: fc.constantFrom(1, 2), seq: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 })) })
    fc.assert(fc.property(fc.array(entry, { maxLength: 120 }), (entries) => {
      const list = entries.map(e => msg(e.author, e.seq, text('x'), e.device))
      expect(gaps(list)).toEqual(reference(list))
    }), { numRuns: 300 })
  })

  it('ignores ephemeral and unknown bodies', () => {
    const m = foldMessages([msg('ana', 1, { k: 'typing', on: true }), msg('ana', 2, { k: 'future' } as unknown as Body)])
    expect(m.views).toEqual([])
    expect(m.ignored.notShown).toBe(2)
  })
})
