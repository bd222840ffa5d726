/** `chatsphere dm` and `chatsphere contact show|verify|list|link`. */
import { CLI_CONNECT_TIMEOUT_MS, SEND_RELAY_WAIT_MS } from '../constants.ts'
import { openChat } from './context.ts'
import { CliError, EXIT_UNREACHABLE } from './exit.ts'
import { deliveryText } from './format.ts'
import type { GlobalOptions } from './context.ts'
import type { ContactInfo } from '../chat/index.ts'

/**
 * Opens (or reuses) the direct room with a user id or contact link and sends `text`. Exit codes as `send`: 0 once
 * the message is stored and handed to the network, 3 when it is stored locally only.
 */
export async function dm (g: GlobalOptions, ref: string, text: string): Promise<void> {
  const chat = await openChat(g, { online: true })
  try {
    const relayUp = g.relay.length > 0 && await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)
    // The knock must reach a relay before this short-lived process exits, or the other side never hears of the room.
    const room = await chat.openDirect(ref, relayUp ? { waitForRelayMs: SEND_RELAY_WAIT_MS } : {})
    const sent = await chat.send(room.id, text)
    const held = relayUp ? await chat.waitForRelayHold(room.id, sent.id, SEND_RELAY_WAIT_MS) : false
    const delivery = chat.delivery(room.id, sent.id) ?? sent.delivery
    const handed = sent.handedToNetwork || held
    if (g.json) process.stdout.write(JSON.stringify({ id: sent.id, room: room.id, to: room.direct?.userId, delivery, handedToNetwork: handed }) + '\n')
    else process.stdout.write(`sent ${sent.id} to ${room.name} (${deliveryText(delivery)})\n`)
    if (!handed) {
      const why = g.relay.length > 0 && !relayUp ? `no relay reachable (tried ${g.relay.join(', ')})` : 'no relay or peer online'
      throw new CliError(`stored locally only: ${why}; it will be delivered the next time this peer is online`, EXIT_UNREACHABLE)
    }
    if (relayUp && !held) process.stderr.write('handed to the network, but no relay confirmed it holds the message yet\n')
  } finally {
    await chat.close()
  }
}

function contactText (c: ContactInfo): string {
  const lines = [
    `${c.name ?? '(no name)'}${c.verified ? '  ✓ verified' : ''}`,
    `user id:        ${c.userId}`,
    `fingerprint:    ${c.fingerprint}`,
    `safety number:  ${c.safetyNumber ?? '(no key known yet)'}`
  ]
  if (c.directRoom != null) lines.push(`direct room:    ${c.directRoom.slice(0, 12)}`)
  if (c.keyChanged) lines.push('WARNING: this contact announced a different key since you first talked. Compare the safety number again before trusting the conversation; `contact verify` accepts the new key.')
  if (c.sameNameAs != null) lines.push(`note: ${c.sameNameAs.length} other contact(s) use the same name: ${c.sameNameAs.join(', ')}`)
  return lines.join('\n')
}

function printContact (g: GlobalOptions, c: ContactInfo): void {
  process.stdout.write((g.json ? JSON.stringify(c) : contactText(c)) + '\n')
}

export async function contactShow (g: GlobalOptions, userId: string): Promise<void> {
  const chat = await openChat(g, { online: false })
  try { printContact(g, chat.contact(userId)) } finally { await chat.close() }
}

export async function contactVerify (g: GlobalOptions, userId: string, opts: { link?: string }): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    printContact(g, await chat.verifyContact(userId, opts.link != null ? { link: opts.link } : {}))
  } finally { await chat.close() }
}

export async function contactList (g: GlobalOptions): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const list = chat.contacts()
    if (g.json) { for (const c of list) process.stdout.write(JSON.stringify(c) + '\n'); return }
    if (list.length === 0) { process.stdout.write('no contacts yet (chatsphere dm <user-id|contact-link> <text>)\n'); return }
    for (const c of list) process.stdout.write(`${c.userId}  ${c.name ?? ''}${c.verified ? '  ✓' : ''}${c.keyChanged ? '  KEY CHANGED' : ''}\n`)
  } finally { await chat.close() }
}

export async function contactLink (g: GlobalOptions): Promise<void> {
  const chat = await openChat(g, { online: false })
  try {
    const link = await chat.contactLink()
    process.stdout.write((g.json ? JSON.stringify({ userId: chat.user.userId, link }) : link) + '\n')
  } finally { await chat.close() }
}
