import type { DeliveryState, MessageView } from '../chat/index.ts'

/** One JSON line of `read --json`. */
export interface MessageLine {
  id: string
  room: string
  authorId: string
  authorName: string | null
  text: string
  time: number
  edited: boolean
  deleted: boolean
  replyTo: string | null
  reactions: Record<string, string[]>
  /** Delivery state for our own messages, null for others'. */
  delivery: DeliveryState | null
  /** For a file message: what it announces (fetch it with `chatsphere get <room> <id>`), else absent. */
  file?: { name: string, mime: string, size: number }
}

export function messageLine (room: string, m: MessageView, delivery: DeliveryState | undefined): MessageLine {
  return {
    id: m.id,
    room,
    authorId: m.authorId,
    authorName: m.authorName ?? null,
    text: m.text,
    time: m.time,
    edited: m.edited,
    deleted: m.deleted,
    replyTo: m.replyTo ?? null,
    reactions: m.reactions,
    delivery: delivery ?? null,
    ...(m.body.k === 'file' ? { file: { name: m.body.name, mime: m.body.mime, size: m.body.size } } : {})
  }
}

export function deliveryText (d: DeliveryState | undefined | null): string {
  if (d == null) return ''
  if (d.state === 'local') return 'stored locally'
  if (d.state === 'relay') return `held by ${d.relays} relay${d.relays === 1 ? '' : 's'}`
  return `seen by ${d.peers} peer${d.peers === 1 ? '' : 's'}`
}

function pad (n: number): string { return String(n).padStart(2, '0') }

/** Human form of a message: `[YYYY-MM-DD HH:MM] name: text`. */
export function messageText (m: MessageView, delivery?: DeliveryState): string {
  const t = new Date(m.time)
  const when = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`
  const who = m.authorName ?? `${m.authorId.slice(0, 10)}…`
  // eslint-disable-next-line no-control-regex
  const text = m.body.k === 'file' ? `[file] ${m.body.name.replace(/[\u0000-\u001f\u007f]/g, '')} (${m.body.size} bytes): get it with its id ${m.id}` : m.text
  const body = m.deleted ? '(deleted)' : text + (m.edited ? ' (edited)' : '')
  const reactions = Object.entries(m.reactions).map(([e, users]) => `${e}${users.length}`).join(' ')
  const d = delivery != null ? `  [${deliveryText(delivery)}]` : ''
  return `[${when}] ${who}: ${body}${reactions.length > 0 ? `  ${reactions}` : ''}${d}`
}
