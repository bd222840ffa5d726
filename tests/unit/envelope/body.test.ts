import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { validateBody } from '../../../src/envelope/body.ts'
import { FrameKind } from '../../../src/envelope/types.ts'
import type { Body } from '../../../src/envelope/types.ts'
import {
  MAX_AVATAR_BYTES, MAX_FIELD_BYTES, MAX_NAME_BYTES, MAX_PREVIEW_BYTES, MAX_REACTION_BYTES, MAX_ROOM_NAME_BYTES, MAX_TEXT_BYTES
} from '../../../src/constants.ts'
import { MalformedError, OversizedError } from '../../../src/errors.ts'
import { SAMPLE_BODIES, bytes32, ref } from './samples.ts'

const frameKindOf = (b: Body): FrameKind => ['presence', 'typing', 'read'].includes(b.k) ? FrameKind.ephemeral : FrameKind.message

describe('body validation', () => {
  it('accepts one body of every kind and returns an equal, clean copy', () => {
    for (const body of SAMPLE_BODIES) expect(validateBody(body, frameKindOf(body))).toEqual(body)
  })

  it('drops unknown extra fields (from newer peers) but keeps the known ones', () => {
    expect(validateBody({ k: 'text', text: 'x', future: 1 })).toEqual({ k: 'text', text: 'x' })
  })

  it('refuses stored kinds in ephemeral frames and ephemeral kinds in stored frames', () => {
    expect(() => validateBody({ k: 'typing', on: true }, FrameKind.message)).toThrow(/not allowed in a stored frame/)
    expect(() => validateBody({ k: 'text', text: 'x' }, FrameKind.ephemeral)).toThrow(/not allowed in an ephemeral frame/)
  })

  it('enforces every size limit with OversizedError', () => {
    const over: unknown[] = [
      { k: 'text', text: 'x'.repeat(MAX_TEXT_BYTES + 1) },
      { k: 'text', text: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) }, // counted in UTF-8 bytes, not characters
      { k: 'edit', target: ref, text: 'x'.repeat(MAX_TEXT_BYTES + 1) },
      { k: 'react', target: ref, emoji: 'x'.repeat(MAX_REACTION_BYTES + 1), on: true },
      { k: 'profile', name: 'x'.repeat(MAX_NAME_BYTES + 1) },
      { k: 'profile', name: 'a', avatar: 'x'.repeat(MAX_AVATAR_BYTES + 1) },
      { k: 'room', name: 'x'.repeat(MAX_ROOM_NAME_BYTES + 1) },
      { k: 'room', topic: 'x'.repeat(MAX_ROOM_NAME_BYTES + 1) },
      { k: 'file', name: 'x'.repeat(MAX_FIELD_BYTES + 1), mime: 'a', size: 1, hash: bytes32, key: bytes32 },
      { k: 'file', name: 'a', mime: 'x'.repeat(MAX_FIELD_BYTES + 1), size: 1, hash: bytes32, key: bytes32 },
      { k: 'file', name: 'a', mime: 'a', size: 1, hash: bytes32, key: bytes32, preview: new Uint8Array(MAX_PREVIEW_BYTES + 1) }
    ]
    for (const b of over) expect(() => validateBody(b), JSON.stringify(b).slice(0, 60)).toThrow(OversizedError)
    expect(validateBody({ k: 'text', text: 'x'.repeat(MAX_TEXT_BYTES) })).toBeTruthy()
  })

  it('refuses wrong types, missing fields and unknown kinds with MalformedError', () => {
    const bad: unknown[] = [
      null, 5, 'text', [], new Uint8Array(2),
      {}, { k: 1 }, { k: 'nope' }, { k: '__proto__' }, { k: 'toString' },
      { k: 'text' }, { k: 'text', text: 5 }, { k: 'text', text: 'x', reply: new Uint8Array(15) }, { k: 'text', text: 'x', reply: 'id' },
      { k: 'edit', text: 'x' }, { k: 'delete' }, { k: 'delete', target: [1, 2] },
      { k: 'react', target: ref, emoji: '', on: true }, { k: 'react', target: ref, emoji: 'x', on: 1 },
      { k: 'profile' }, { k: 'room', name: 3 },
      { k: 'file', name: 'a', mime: 'a', size: -1, hash: bytes32, key: bytes32 },
      { k: 'file', name: 'a', mime: 'a', size: 1.5, hash: bytes32, key: bytes32 },
      { k: 'file', name: 'a', mime: 'a', size: 1, hash: new Uint8Array(31), key: bytes32 },
      { k: 'file', name: '', mime: 'a', size: 1, hash: bytes32, key: bytes32 },
      { k: 'file', name: 'a', mime: 'a', size: 1, hash: bytes32, key: bytes32, duration: -5 }
    ]
    for (const b of bad) expect(() => validateBody(b), String(JSON.stringify(b)).slice(0, 60)).toThrow(MalformedError)
    const eph: unknown[] = [{ k: 'presence', state: 'busy' }, { k: 'typing', on: 'yes' }, { k: 'read', upTo: new Uint8Array(3) }]
    for (const b of eph) expect(() => validateBody(b, FrameKind.ephemeral)).toThrow(MalformedError)
  })

  it('throws only MalformedError or OversizedError on any hostile value (property)', () => {
    const kinds = ['text', 'edit', 'delete', 'react', 'profile', 'room', 'presence', 'typing', 'read', 'file', 'other']
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 40 }))
    const fields = fc.dictionary(
      fc.constantFrom('text', 'reply', 'target', 'emoji', 'on', 'name', 'avatar', 'topic', 'state', 'upTo', 'mime', 'size', 'hash', 'key', 'preview', 'duration', 'x'),
      leaf)
    fc.assert(fc.property(fc.constantFrom(...kinds), fields, fc.constantFrom(FrameKind.message, FrameKind.ephemeral), (k, f, frameKind) => {
      try {
        const body = validateBody({ ...f, k }, frameKind)
        expect(body.k).toBe(k)
      } catch (err) {
        expect(['MalformedError', 'OversizedError']).toContain((err as Error).name)
      }
    }), { numRuns: 3000 })
    fc.assert(fc.property(fc.anything(), (v) => {
      try { validateBody(v) } catch (err) { expect(['MalformedError', 'OversizedError']).toContain((err as Error).name) }
    }), { numRuns: 1000 })
  })
})
