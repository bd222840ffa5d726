/**
 * Types of the envelope layer (implemented in src/envelope/). See PROTOCOL.md for the byte layout.
 * Producers: src/envelope. Consumers: history (guard, read model), chat (publish/receive), relay (verifyFrame).
 */

/** Frame kinds (byte 1 of a frame). Room messages are stored in the log; ephemeral ones never are. */
export const FrameKind = { message: 1, ephemeral: 2 } as const
export type FrameKind = typeof FrameKind[keyof typeof FrameKind]

/** The unencrypted header of a frame; everything here is covered by the room write signature. */
export interface FrameHeader {
  version: number
  kind: FrameKind
  epoch: number
  /** 16-byte message id: HMAC(room id key, author ‖ device ‖ seq), opaque to anyone without the room secret. */
  id: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
  writeSignature: Uint8Array
}

/** A reference to another message (reply, edit, delete, reaction target). */
export type MessageRef = Uint8Array

/** Message bodies. `k` names the kind; unknown kinds from newer peers are kept in the log and ignored by the read model. */
export type Body =
  | { k: 'text', text: string, reply?: MessageRef }
  | { k: 'edit', target: MessageRef, text: string }
  | { k: 'delete', target: MessageRef }
  | { k: 'react', target: MessageRef, emoji: string, on: boolean }
  | { k: 'profile', name: string, avatar?: string, box?: Uint8Array }
  | { k: 'room', name?: string, topic?: string }
  | { k: 'presence', state: 'online' | 'away' | 'offline' }
  | { k: 'typing', on: boolean }
  | { k: 'read', upTo: MessageRef }
  /** `root` (media v1): SHA-256 of the concatenated SHA-256 hashes of the file's 64 KiB plaintext chunks; `peer`: sender's libp2p peer id. */
  | { k: 'file', name: string, mime: string, size: number, hash: Uint8Array, key: Uint8Array, preview?: Uint8Array, duration?: number, root?: Uint8Array, peer?: string }
  /** Ephemeral (media, issue 6): who holds the file with this content hash? Holders answer with `have`. */
  | { k: 'want', hash: Uint8Array }
  /** Ephemeral (media): the device with libp2p peer id `peer` holds the whole file with this content hash. */
  | { k: 'have', hash: Uint8Array, peer: string }
  // Membership operations (src/roles/types.ts, PROTOCOL.md "Roles and key epochs"); `user` is a 32-byte user key.
  | { k: 'genesis' }
  | { k: 'role', user: Uint8Array, role: 'owner' | 'admin' | 'moderator' | 'member' }
  | { k: 'kick', user: Uint8Array }
  | { k: 'ban', user: Uint8Array, on: boolean }
  | { k: 'remove', target: MessageRef, on: boolean }
  | { k: 'settings', name?: string, topic?: string, avatar?: string, invite?: 'member' | 'moderator' | 'admin', history?: 'all' | 'joined' }
  | { k: 'keys', epoch: number, rekey: boolean, epk: Uint8Array, grants: Array<{ to: Uint8Array, nonce: Uint8Array, box: Uint8Array }>, revoked?: Uint8Array[] }
  /** A request to start a direct conversation, stored in the recipient's inbox room (src/dm/knock.ts). */
  | { k: 'knock', eph: Uint8Array, nonce: Uint8Array, box: Uint8Array }
  /** A device binding or revocation signed by the author's identity (src/devices/device-record.ts). */
  | { k: 'device', rec: Uint8Array }
  /** Mail to the author's other devices, encrypted to their own box keys (src/devices/device-mail.ts); devices room only. */
  | { k: 'devmail', box: Uint8Array }

export type BodyKind = Body['k']

/** A frame that passed every check: room write signature, decryption, author signature, id binding, limits. */
export interface OpenedMessage {
  id: Uint8Array
  /** Lowercase hex of `id` (32 chars): the id shown by the CLI and API. */
  idText: string
  kind: FrameKind
  epoch: number
  /** Author's Ed25519 public key (the user id). */
  author: Uint8Array
  /** Text form of the author's user id. */
  authorId: string
  /** Random per-device number; (author, device, seq) is unique. */
  device: number
  seq: number
  /** Author's clock, ms since epoch (informative; order comes from the log). */
  time: number
  body: Body
}
