/**
 * The web app's view of the core's direct messages and contact book (src/dm): open a direct room from a user id or
 * contact link, our contact link, what we know of a person (safety number, verified, key change), verify.
 */
import type { Chat, ContactInfo } from '../../../src/chat/types.ts'

export type Contact = ContactInfo

/** One member of a room as the members dialog shows it. */
export interface Member {
  userId: string
  name: string
  avatar?: string
}

export interface ContactsBackend {
  /** Opens (or returns) the direct room with a user id or contact link; throws with a message for people. */
  openDirect: (userIdOrLink: string) => Promise<{ id: string, name: string }>
  /** Our contact link (for the QR code and copying); it points at this app. */
  contactLink: () => Promise<string>
  /** What we know of a person, or undefined when nothing (no shared room, no direct room). */
  contact: (userId: string) => Contact | undefined
  /** Marks a person verified after comparing safety numbers. */
  verify: (userId: string) => Promise<Contact>
  /** People with a direct room or a verification. */
  list: () => Contact[]
  /** Members of a room known from their profiles. */
  members: (roomId: string) => Member[]
}

export class ContactsAdapter implements ContactsBackend {
  readonly #chat: Chat
  readonly #changed: (room?: string) => void

  constructor (chat: Chat, changed: (room?: string) => void) {
    this.#chat = chat
    this.#changed = changed
    chat.addEventListener('contact', () => { this.#changed() })
  }

  async openDirect (userIdOrLink: string): Promise<{ id: string, name: string }> {
    const room = await this.#chat.openDirect(userIdOrLink)
    this.#changed(room.id)
    return { id: room.id, name: room.name }
  }

  async contactLink (): Promise<string> {
    const link = await this.#chat.contactLink()
    // The core's link may carry another origin: the web app's link opens this app.
    return location.origin + '/' + link.slice(link.indexOf('#'))
  }

  contact (userId: string): Contact | undefined {
    try { return this.#chat.contact(userId) } catch { return undefined }
  }

  async verify (userId: string): Promise<Contact> {
    const c = await this.#chat.verifyContact(userId)
    this.#changed()
    return c
  }

  list (): Contact[] { return this.#chat.contacts() }

  members (roomId: string): Member[] {
    return this.#chat.members(roomId).map((m) => (m.authorAvatar !== undefined ? { userId: m.userId, name: m.name, avatar: m.authorAvatar } : { userId: m.userId, name: m.name }))
  }
}
