/** `chatsphere room create|join|list|leave`. */
import { openChat } from './context.ts'
import type { GlobalOptions } from './context.ts'
import type { RoomInfo } from '../chat/index.ts'

function print (g: GlobalOptions, room: RoomInfo, human: string): void {
  process.stdout.write(g.json ? JSON.stringify({ id: room.id, name: room.name, invite: room.invite, topic: room.topic }) + '\n' : human + '\n')
}

export async function roomCreate (g: GlobalOptions, name: string): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const room = await chat.createRoom(name)
    print(g, room, room.invite)
  } finally { await chat.close() }
}

export async function roomJoin (g: GlobalOptions, invite: string, opts: { name?: string }): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const room = await chat.joinRoom(invite, opts.name)
    print(g, room, `joined ${room.name} (${room.id.slice(0, 12)})`)
  } finally { await chat.close() }
}

export async function roomList (g: GlobalOptions): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const rooms = chat.rooms()
    if (g.json) {
      for (const r of rooms) process.stdout.write(JSON.stringify({ id: r.id, name: r.name, invite: r.invite, topic: r.topic, messages: chat.messages(r.id).length, ...(r.direct != null ? { direct: r.direct.userId } : {}) }) + '\n')
      return
    }
    if (rooms.length === 0) { process.stdout.write('no rooms yet (chatsphere room create <name>, or room join <invite>)\n'); return }
    for (const r of rooms) process.stdout.write(`${r.id.slice(0, 12)}  ${r.direct != null ? 'direct: ' : ''}${r.name}  (${chat.messages(r.id).length} messages)\n`)
  } finally { await chat.close() }
}

export async function roomLeave (g: GlobalOptions, ref: string): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const room = chat.room(ref)
    await chat.leaveRoom(room.id)
    process.stdout.write(g.json ? JSON.stringify({ left: room.id }) + '\n' : `left ${room.name}\n`)
  } finally { await chat.close() }
}
