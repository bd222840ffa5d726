import MiniSearch from 'minisearch'
import type { ChatBackend } from '../core/backend.ts'

export interface SearchHit {
  kind: 'room' | 'person' | 'message'
  id: string
  roomId?: string
  title: string
  text: string
  time?: number
  score: number
}

interface Doc {
  id: string
  kind: SearchHit['kind']
  roomId?: string
  title: string
  text: string
  time?: number
}

/** Results shown at most. */
const MAX_RESULTS = 50

/**
 * Local full-text search over rooms, people and messages (minisearch; nothing leaves the device). The index is
 * rebuilt from the backend's read model when stale, which is cheap next to opening a room.
 */
export class SearchIndex {
  #index: MiniSearch<Doc> | undefined
  #stamp = ''

  search (backend: ChatBackend, query: string): SearchHit[] {
    const q = query.trim()
    if (q === '') return []
    const index = this.#fresh(backend)
    return index.search(q, { prefix: true, fuzzy: 0.15, boost: { title: 2 } })
      .slice(0, MAX_RESULTS)
      .map((r) => ({
        kind: r.kind as SearchHit['kind'],
        id: r.id,
        ...(typeof r.roomId === 'string' ? { roomId: r.roomId } : {}),
        title: r.title as string,
        text: r.text as string,
        ...(typeof r.time === 'number' ? { time: r.time } : {}),
        score: r.score
      }))
  }

  #fresh (backend: ChatBackend): MiniSearch<Doc> {
    const rooms = backend.rooms()
    const stamp = rooms.map((r) => `${r.id}:${r.name}:${backend.messages(r.id).length}`).join('|')
    if (this.#index !== undefined && stamp === this.#stamp) return this.#index
    const index = new MiniSearch<Doc>({ fields: ['title', 'text'], storeFields: ['kind', 'roomId', 'title', 'text', 'time'] })
    const people = new Map<string, { name: string, roomId: string }>()
    const docs: Doc[] = []
    for (const room of rooms) {
      docs.push({ id: 'room:' + room.id, kind: 'room', roomId: room.id, title: room.name, text: '' })
      for (const m of backend.messages(room.id)) {
        const name = m.authorName ?? backend.person(m.authorId)?.name ?? ''
        if (!people.has(m.authorId)) people.set(m.authorId, { name, roomId: room.id })
        if (m.deleted) continue
        docs.push({ id: 'msg:' + room.id + ':' + m.id, kind: 'message', roomId: room.id, title: room.name, text: m.text, time: m.time })
      }
    }
    for (const [userId, { name, roomId }] of people) {
      if (name !== '') docs.push({ id: 'person:' + userId, kind: 'person', roomId, title: name, text: userId })
    }
    index.addAll(docs)
    this.#index = index
    this.#stamp = stamp
    return index
  }
}
