/** `chatsphere room members|kick|ban|unban|promote` (roles and moderation, src/roles). */
import { CLI_CONNECT_TIMEOUT_MS, SEND_RELAY_WAIT_MS } from '../constants.ts'
import { CliError, EXIT_UNREACHABLE, EXIT_USAGE } from './exit.ts'
import { openChat } from './context.ts'
import type { GlobalOptions } from './context.ts'
import type { Chat } from '../chat/index.ts'
import type { Role } from '../roles/types.ts'

const ROLES: readonly Role[] = ['member', 'moderator', 'admin', 'owner']

/** Opens the chat online and catches the room up with a relay, so the op is checked against current roles. */
async function online (g: GlobalOptions, ref: string): Promise<{ chat: Chat, room: string, relayUp: boolean }> {
  const chat = await openChat(g, { online: true })
  try {
    const room = chat.room(ref).id
    let relayUp = false
    if (g.relay.length > 0 && await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)) relayUp = await chat.waitForRelaySync(room, CLI_CONNECT_TIMEOUT_MS)
    return { chat, room, relayUp }
  } catch (err) {
    await chat.close()
    throw err
  }
}

/** Waits until a relay holds the ops we just published (the moderation entries after `from`). */
async function flush (chat: Chat, room: string, from: number, relayUp: boolean): Promise<boolean> {
  if (!relayUp) return false
  let held = true
  for (const e of chat.moderationLog(room).slice(from)) {
    if (e.by === chat.user.userId) held = await chat.waitForRelayHold(room, e.id, SEND_RELAY_WAIT_MS) && held
  }
  return held
}

function done (g: GlobalOptions, result: Record<string, unknown>, human: string, held: boolean): void {
  process.stdout.write(g.json ? JSON.stringify({ ...result, heldByRelay: held }) + '\n' : human + '\n')
  if (!held) process.stderr.write('stored locally; no relay confirmed it yet (it is delivered the next time this peer is online)\n')
}

export async function roomMembers (g: GlobalOptions, ref: string): Promise<void> {
  const useNet = g.relay.length > 0
  const chat = await openChat(g, { online: useNet })
  try {
    const room = chat.room(ref).id
    if (useNet && await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)) await chat.waitForRelaySync(room, CLI_CONNECT_TIMEOUT_MS)
    const names = new Map(chat.members(room).map(m => [m.userId, m.name]))
    const settings = chat.roomSettings(room)
    for (const m of chat.roles(room)) {
      const name = names.get(m.userId) ?? null
      if (g.json) process.stdout.write(JSON.stringify({ userId: m.userId, name, role: m.role, implicit: m.implicit, me: m.userId === chat.user.userId }) + '\n')
      else process.stdout.write(`${m.role.padEnd(9)} ${(name ?? '(no name)').padEnd(20)} ${m.userId}${m.userId === chat.user.userId ? '  (you)' : ''}\n`)
    }
    if (!g.json && !settings.roles) process.stdout.write('(open room: created without roles, everyone is a member)\n')
  } finally { await chat.close() }
}

export async function roomModerate (g: GlobalOptions, action: 'kick' | 'ban' | 'unban', ref: string, userId: string): Promise<void> {
  const { chat, room, relayUp } = await online(g, ref)
  try {
    const from = chat.moderationLog(room).length
    const epoch = action === 'kick' ? await chat.kick(room, userId) : action === 'ban' ? await chat.ban(room, userId) : (await chat.unban(room, userId), undefined)
    const held = await flush(chat, room, from, relayUp)
    const human = action === 'unban' ? `unbanned ${userId}` : `${action === 'kick' ? 'removed' : 'banned'} ${userId}; new key epoch ${String(epoch)}`
    done(g, epoch !== undefined ? { room, action, userId, epoch } : { room, action, userId }, human, held)
    if (!relayUp && g.relay.length > 0) throw new CliError('no relay reachable: the change is stored locally only', EXIT_UNREACHABLE)
  } finally { await chat.close() }
}

export async function roomPromote (g: GlobalOptions, ref: string, userId: string, opts: { role?: string }): Promise<void> {
  if (opts.role != null && !ROLES.includes(opts.role as Role)) throw new CliError('--role must be admin, moderator or member (or owner to hand the room over)', EXIT_USAGE)
  const { chat, room, relayUp } = await online(g, ref)
  try {
    // Without --role: one step up from the current role.
    const current = chat.roles(room).find(r => r.userId === userId)?.role ?? 'member'
    const role = (opts.role as Role | undefined) ?? (current === 'member' ? 'moderator' : 'admin')
    const from = chat.moderationLog(room).length
    await chat.setRole(room, userId, role)
    const held = await flush(chat, room, from, relayUp)
    done(g, { room, userId, role }, `${userId} is now ${role}`, held)
    if (!relayUp && g.relay.length > 0) throw new CliError('no relay reachable: the change is stored locally only', EXIT_UNREACHABLE)
  } finally { await chat.close() }
}
