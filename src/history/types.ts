/**
 * Types of the history layer (implemented in src/history/). One validated append-only Yjs log per room.
 * Producers: src/history. Consumers: src/chat (createChat), relay (store and forward), web app.
 */
import type { OpenedMessage, MessageRef } from '../envelope/types.ts'

/**
 * Durable storage of one room's Yjs updates. Every backend (Node file, IndexedDB, memory for tests) passes the
 * same suite (tests/unit/history/update-store.suite.ts).
 */
export interface UpdateStore {
  /** All stored updates, oldest first (a torn last record is dropped, never returned). */
  load (): Promise<Uint8Array[]>
  /**
   * Appends one update; resolves only once it is durable (fsync / strict IndexedDB transaction). Concurrent calls
   * are allowed and kept in call order (a later update may depend on an earlier one); a store may make a batch of
   * them durable together. A `compact` call is ordered after the appends called before it.
   */
  append (update: Uint8Array): Promise<void>
  /** Replaces everything stored with one merged update (crash-safe: old data stays until the new is durable). */
  compact (merged: Uint8Array): Promise<void>
  close (): Promise<void>
  /**
   * Optional cache of the last frames in log order, written when a log closes or compacts, read before the log
   * loads so a UI can show the last screen at once (a cache: it may be stale or missing, never trusted as history).
   */
  readTail? (): Promise<Uint8Array[] | undefined>
  writeTail? (frames: Uint8Array[]): Promise<void>
}

/** Opens the store of one room (by hex room id or relay topic key). Chosen at the edge: Node, browser, relay. */
export interface StorageBackend {
  openRoom (roomKey: string): Promise<UpdateStore>
  /** Small key/value records (identity file, room list, settings, per-device sequence counters). */
  getMeta (key: string): Promise<Uint8Array | undefined>
  setMeta (key: string, value: Uint8Array): Promise<void>
  close (): Promise<void>
}

/** Honest delivery state of a message we sent. */
export type DeliveryState =
  | { state: 'local' }
  | { state: 'relay', relays: number }
  | { state: 'seen', peers: number }

/** One message as the UI shows it, after folding edits, deletes and reactions. */
export interface MessageView {
  id: string
  authorId: string
  authorName?: string
  text: string
  time: number
  /** Position in the converged log order. */
  index: number
  edited: boolean
  deleted: boolean
  replyTo?: string
  reactions: Record<string, string[]>
  /** Set when a moderator removed the message from view (their user id); `deleted` is true then too. */
  removedBy?: string
  body: OpenedMessage['body']
}

/** Messages known to be missing: an author whose sequence numbers have holes. */
export interface Gap {
  authorId: string
  device: number
  missing: number
  /** Display name of the author when a profile message is known. */
  authorName?: string
  /** The first missing sequence numbers (at most 16), lowest first. */
  seqs?: number[]
  /** Highest sequence number seen from this (author, device). */
  highest?: number
}

export type { OpenedMessage, MessageRef }
