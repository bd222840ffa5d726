import type { Body } from '../../../src/envelope/types.ts'

export const ref = new Uint8Array(16).fill(1)
export const bytes32 = new Uint8Array(32).fill(2)

/** One valid body of every kind (also used by the envelope round-trip tests). */
export const SAMPLE_BODIES: Body[] = [
  { k: 'text', text: 'hello' },
  { k: 'text', text: 'a reply 🎉', reply: ref },
  { k: 'edit', target: ref, text: 'fixed' },
  { k: 'delete', target: ref },
  { k: 'react', target: ref, emoji: '👍', on: true },
  { k: 'react', target: ref, emoji: '👍', on: false },
  { k: 'profile', name: 'Ada' },
  { k: 'profile', name: 'Ada', avatar: 'data:image/png;base64,AAAA' },
  { k: 'room', name: 'Book club', topic: 'Chapter 3' },
  { k: 'room' },
  { k: 'presence', state: 'online' },
  { k: 'presence', state: 'away' },
  { k: 'typing', on: true },
  { k: 'read', upTo: ref },
  { k: 'file', name: 'cat.jpg', mime: 'image/jpeg', size: 123456, hash: bytes32, key: bytes32 },
  { k: 'file', name: 'voice.ogg', mime: 'audio/ogg', size: 9999, hash: bytes32, key: bytes32, preview: new Uint8Array(100), duration: 4200 }
]

