/** The shown-tail record (src/chat/shown-tail.ts): sealed per room, checked before use, folded like the read model. */
import { describe, expect, it } from 'vitest'
import { earlyReadModel, openShownTail, sealShownTail, shownTailOf } from '../../../src/chat/shown-tail.ts'
import { MAX_SHOWN_TAIL_RECORD_BYTES } from '../../../src/constants.ts'
import { foldMessages } from '../../../src/history/read-model.ts'
import type { OpenedMessage } from '../../../src/envelope/types.ts'

const key = new Uint8Array(32).fill(7)
const otherKey = new Uint8Array(32).fill(8)
const id = (n: number): string => n.toString(16).padStart(32, '0')

function msg (n: number, body: OpenedMessage['body'], author = 'ana'): OpenedMessage {
  return { idText: id(n), authorId: author, device: 1, seq: n, time: 1000 + n, epoch: 0, body } as unknown as OpenedMessage
}

describe('shown-tail record', () => {
  const record = {
    frames: [id(1), id(2)],
    views: [{ id: id(1), index: 41 }, { id: id(2), index: 42, removedBy: 'mod' }],
    names: new Map([['ana', 'Ana']]),
    epochKeys: new Map([[3, new Uint8Array(32).fill(9)]])
  }

  it('opens what was sealed with the same room key only', () => {
    const sealed = sealShownTail(record, key)
    expect(openShownTail(sealed, key)).toEqual(record)
    expect(openShownTail(sealed, otherKey)).toBeUndefined()
    expect(openShownTail(sealed.subarray(0, 30), key)).toBeUndefined()
    expect(openShownTail(undefined, key)).toBeUndefined()
    expect(openShownTail(new Uint8Array(MAX_SHOWN_TAIL_RECORD_BYTES + 1), key)).toBeUndefined()
  })

  it('the early model keeps the recorded views at their recorded places, removals and names', () => {
    const opened = [
      msg(1, { k: 'text', text: 'one' }),
      msg(2, { k: 'text', text: 'two' }),
      msg(3, { k: 'text', text: 'not recorded' }),
      msg(4, { k: 'react', target: Uint8Array.from(Buffer.from(id(1), 'hex')), emoji: '👍', on: true }, 'ben')
    ]
    const early = earlyReadModel(opened, record)
    expect(early.views.map(v => [v.id, v.index, v.text, v.deleted, v.removedBy, v.authorName])).toEqual([
      [id(1), 41, 'one', false, undefined, 'Ana'],
      [id(2), 42, '', true, 'mod', 'Ana']
    ])
    expect(early.views[0]?.reactions).toEqual({ '👍': ['ben'] })
    expect(early.gaps).toEqual([])
  })

  it('records the last views of a full fold and only the frames it counted', () => {
    const fold = foldMessages([msg(1, { k: 'text', text: 'one' }), msg(2, { k: 'profile', name: 'Ana' }), msg(3, { k: 'text', text: 'three' })])
    const r = shownTailOf(fold, [id(1), id(2), id(3), id(9)], x => x !== id(9))
    expect(r.frames).toEqual([id(1), id(2), id(3)])
    expect(r.views).toEqual([{ id: id(1), index: 0 }, { id: id(3), index: 1 }])
    expect(r.names).toEqual(new Map([['ana', 'Ana']]))
  })
})
