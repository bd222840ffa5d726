/**
 * What the web app needs from the core, in one interface. `chat-backend.ts` implements it on top of the
 * core's `createChat(...)`; the UI never talks to libp2p, history or crypto directly.
 */
import type { DeliveryState, Gap, MessageView } from '../../../src/history/types.ts'
import type { ContactsBackend } from './contacts.ts'
import type { DevicesBackend } from './devices.ts'
import type { RolesBackend } from './roles.ts'
import type { FetchProgress } from '../../../src/media/types.ts'
import type { OutgoingFile } from '../lib/media-prep.ts'

export type { DeliveryState, FetchProgress, Gap, MessageView, OutgoingFile }

/** Options of `ChatBackend.fetchFile`. */
export interface FetchOptions {
  onProgress?: (p: FetchProgress) => void
  signal?: AbortSignal
  /** Let the bytes come through the relay when no direct connection can be made (default false in the web app). */
  allowRelayed?: boolean
}

export interface ImportedRoom extends RoomInfo {
  /** Messages new to this device. */
  added: number
  /** Damaged parts of the file that were skipped. */
  rejected: number
}

export interface RoomInfo {
  id: string
  name: string
  /** A direct room: the other person (the name is theirs). */
  direct?: { userId: string }
}

export type PresenceState = 'online' | 'away' | 'offline'

/** How this device currently reaches the others. */
export interface ConnectionInfo {
  state: 'offline' | 'connecting' | 'online'
  /** Offline because the network could not be started on this page (a reload tries again). */
  error?: string
  /** The best path in use to the room's peers, when online. */
  path?: 'lan' | 'direct' | 'relay'
  /** Each member device we know of, and the path to it. */
  peers?: PeerLink[]
}

/** One member device and the path to it (LAN, direct WebRTC, relay). */
export interface PeerLink {
  peerId: string
  userId?: string
  /** Display name of its user, when known. */
  name?: string
  path: 'lan' | 'direct' | 'relay' | 'none'
  /** `webrtc`, `tcp`, `ws`, `wss`, `other`. */
  transport?: string
  /** A direct WebRTC connection is being set up. */
  connecting: boolean
  /** No direct connection could be made: only the relay path is left (retried later). */
  directFailed: boolean
}

export interface Person {
  userId: string
  name: string
  /** Inline avatar (data: URL of a PNG/JPEG/WebP image); anything else is ignored. */
  avatar?: string
}

/** Events the backend emits (as CustomEvent on itself). */
export interface BackendEventMap {
  /** Something about rooms or a room's messages changed; `room` says which when known. */
  change: CustomEvent<{ room?: string }>
  /** A new message arrived (not one we sent). */
  message: CustomEvent<{ room: string, message: MessageView }>
}

export interface ChatBackend extends EventTarget {
  readonly me: Person
  /** Direct messages and contacts (safety numbers, verification). */
  readonly contacts: ContactsBackend
  /** This identity's linked devices: link, list, revoke. */
  readonly devices: DevicesBackend
  /** Roles, moderation and room settings (rooms with roles). */
  readonly roles: RolesBackend
  rooms (): RoomInfo[]
  createRoom (name: string): Promise<RoomInfo>
  /** Joins the room of an invite link (whole URL or fragment). */
  join (invite: string): Promise<RoomInfo>
  leave (roomId: string): Promise<void>
  inviteLink (roomId: string): string
  /** The room's messages in converged log order (do not mutate). */
  messages (roomId: string): readonly MessageView[]
  /**
   * True while the room is still being opened in full: `messages()` then holds only its last messages as shown before
   * (their `index` is their place in the whole list); a `change` follows when the rest is in.
   */
  loading (roomId: string): boolean
  /** Why the room's history on this device could not be read (its last messages still show), if it could not. */
  roomError (roomId: string): string | undefined
  send (roomId: string, text: string, replyTo?: string): Promise<void>
  edit (roomId: string, messageId: string, text: string): Promise<void>
  remove (roomId: string, messageId: string): Promise<void>
  react (roomId: string, messageId: string, emoji: string, on: boolean): Promise<void>
  setTyping (roomId: string, on: boolean): void
  markRead (roomId: string, messageId: string): void
  typing (roomId: string): string[]
  presence (roomId: string): Map<string, PresenceState>
  /** userId → id of the last message they have read. */
  readMarkers (roomId: string): Map<string, string>
  delivery (roomId: string, messageId: string): DeliveryState | undefined
  gaps (roomId: string): Gap[]
  connection (): ConnectionInfo
  person (userId: string): Person | undefined
  setProfile (name: string, avatar?: string): Promise<void>
  /** A room's encrypted history as a file (it contains the room secret). */
  exportRoom (roomId: string): Promise<Uint8Array>
  /** Joins the room of a history file and adds its messages; throws for a file that is not one. */
  importRoom (bytes: Uint8Array): Promise<ImportedRoom>
  /** Largest file this device sends or fetches, in bytes. */
  readonly maxFileBytes: number
  /** Sends a file (stored here first, then announced in the room; the bytes go peer to peer on request). */
  sendFile (roomId: string, file: OutgoingFile): Promise<void>
  /** The checked bytes of a file message (from here, or fetched from a member that has it). */
  fetchFile (roomId: string, messageId: string, options?: FetchOptions): Promise<Uint8Array>
  /** Member devices and the path to each. */
  peerLinks (): PeerLink[]
  close (): Promise<void>
}
