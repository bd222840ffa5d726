/**
 * One error class per failure, each with a stable `name` that callers and tests match on. Decoders throw these
 * and never return partial results. Messages are for people; names are for code.
 */

export class ChatSphereError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ChatSphereError'
  }
}

function defineError (name: string): typeof ChatSphereError {
  const cls = class extends ChatSphereError {
    constructor (message: string, options?: { cause?: unknown }) {
      super(message, options)
      this.name = name
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/** Bytes that do not parse as the expected structure (bad version, wrong type, truncated, trailing bytes). */
export const MalformedError = defineError('MalformedError')
/** Input larger than its hard limit; raised before anything of that size is allocated. */
export const OversizedError = defineError('OversizedError')
/** A signature (author, frame/room-write, profile, device binding, keep request) does not verify. */
export const BadSignatureError = defineError('BadSignatureError')
/** A frame or message that belongs to another room. */
export const WrongRoomError = defineError('WrongRoomError')
/** A frame sealed under a key epoch we no longer (or do not yet) accept. */
export const OldEpochError = defineError('OldEpochError')
/** A message id already seen (duplicate or replay). */
export const ReplayError = defineError('ReplayError')
/** Ciphertext that does not open with the room key. */
export const DecryptionError = defineError('DecryptionError')
/** A BIP39 mnemonic that is not 24 valid words with a valid checksum. */
export const InvalidMnemonicError = defineError('InvalidMnemonicError')
/** A key file whose passphrase is wrong (or whose contents were altered). */
export const WrongPassphraseError = defineError('WrongPassphraseError')
/** An invite link that cannot be parsed. */
export const InvalidInviteError = defineError('InvalidInviteError')
/** A Yjs update from the network that the history guard refuses (deletes, foreign types, bad frames). */
export const RejectedUpdateError = defineError('RejectedUpdateError')
/** A data directory already opened by another process. */
export const DataDirLockedError = defineError('DataDirLockedError')
/** Something the user asked for that does not exist (unknown room, message, ...). */
export const NotFoundError = defineError('NotFoundError')
/** The user gave an argument we cannot use. */
export const InvalidArgumentError = defineError('InvalidArgumentError')
/** An operation that did not finish in time. */
export const TimeoutError = defineError('TimeoutError')

/** Device linking failed on the other side: it refused (used or expired code, wrong code) or could not be reached. */
export const LinkRefusedError = defineError('LinkRefusedError')

/** A message whose author clock is more than MAX_CLOCK_SKEW_MS ahead of ours (kept apart so it is counted apart). */
export const ClockSkewError = defineError('ClockSkewError')

export type ChatSphereErrorName =
  | 'MalformedError' | 'OversizedError' | 'BadSignatureError' | 'WrongRoomError' | 'OldEpochError' | 'ReplayError'
  | 'DecryptionError' | 'InvalidMnemonicError' | 'WrongPassphraseError' | 'InvalidInviteError' | 'RejectedUpdateError'
  | 'DataDirLockedError' | 'NotFoundError' | 'InvalidArgumentError' | 'TimeoutError' | 'ClockSkewError'

// ── History and storage (issue 4) ──
/** A stored file whose records cannot be read (beyond a torn tail, which is truncated silently). */
export const CorruptStoreError = defineError('CorruptStoreError')
/** A sync session the other side broke (bad message, wrong order, too many chunks, idle too long). */
export const SyncProtocolError = defineError('SyncProtocolError')
/** A sync session refused for its membership proof (missing, wrong) or wire version, by either side: nothing was served. */
export const SyncRefusedError = defineError('SyncRefusedError')

// ── Direct messages and contacts (issue 7) ──
/** A contact link (or QR payload) that cannot be parsed or whose signature does not verify. */
export const InvalidContactLinkError = defineError('InvalidContactLinkError')

// ── Media transfer (issue 6, media core helper) ──
/** A fetch that was cancelled through its AbortSignal (verified chunks stay stored for a resume). */
export const TransferCancelledError = defineError('TransferCancelledError')
/**
 * No peer could give us a file: `attempts` says, per peer tried, why (unreachable, relay-limit, not-held, refused,
 * bad-chunk, interrupted, timeout). Verified chunks stay stored, so a later fetch resumes.
 */
export class MediaUnavailableError extends ChatSphereError {
  readonly attempts: Array<{ peerId: string, path?: 'direct' | 'relayed' | 'local', reason: string, detail?: string }>
  constructor (message: string, attempts: MediaUnavailableError['attempts'] = [], options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MediaUnavailableError'
    this.attempts = attempts
  }
}
/** A media stream peer broke the protocol (bad message, wrong order, bad chunk, oversized). */
export const MediaProtocolError = defineError('MediaProtocolError')
/** The signer's role in the room does not allow this membership operation (src/roles). */
export const NotAllowedError = defineError('NotAllowedError')
