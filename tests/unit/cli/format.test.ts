import { describe, expect, it } from 'vitest'
import { deliveryText, messageLine, messageText } from '../../../src/cli/format.ts'
import type { MessageView } from '../../../src/chat/index.ts'

const view: MessageView = { id: 'ab'.repeat(16), authorId: 'csAuthorIdLong', authorName: 'Ana', text: 'hi', time: Date.UTC(2026, 0, 2, 3, 4), index: 0, edited: true, deleted: false, reactions: { '👍': ['x', 'y'] }, body: { k: 'text', text: 'hi' } }

describe('CLI output', () => {
  it('JSON lines carry id, author, text, time and delivery', () => {
    expect(messageLine('room', view, { state: 'relay', relays: 1 })).toEqual({
      id: view.id, room: 'room', authorId: 'csAuthorIdLong', authorName: 'Ana', text: 'hi', time: view.time, edited: true,
      deleted: false, replyTo: null, reactions: { '👍': ['x', 'y'] }, delivery: { state: 'relay', relays: 1 }
    })
    expect(messageLine('room', { ...view, authorName: undefined } as unknown as MessageView, undefined).delivery).toBeNull()
  })
  it('human lines say who, what, edits, reactions and delivery plainly', () => {
    const line = messageText(view, { state: 'seen', peers: 2 })
    expect(line).toContain('Ana: hi (edited)')
    expect(line).toContain('👍2')
    expect(line).toContain('seen by 2 peers')
    expect(messageText({ ...view, deleted: true })).toContain('(deleted)')
    expect(deliveryText({ state: 'local' })).toBe('stored locally')
    expect(deliveryText({ state: 'relay', relays: 1 })).toBe('held by 1 relay')
  })
})
