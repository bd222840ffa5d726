/**
 * ChatSphere: peer-to-peer, end-to-end encrypted chat. The public API is `createChat`; the other exports are the
 * types it takes and returns, and the few helpers an application needs around it (identity backup, invites).
 */
export { createChat } from './chat/index.ts'
export type {
  Chat, ChatEvents, ChatInit, ConnectionInfo, DeliveryState, Gap, MessageView, PeerPath, PresenceInfo, RoomInfo, SentMessage
} from './chat/index.ts'
export type {
  FetchAttempt, FetchFileOptions, FetchProgress, FileInput, MediaEntryState, MediaFileInfo, MediaStore, MediaWriter, TransferPath
} from './media/types.ts'
export type { Identity } from './identity/identity.ts'
export { createIdentity, identityFromSeed } from './identity/identity.ts'
export { seedToMnemonic, mnemonicToSeed } from './identity/mnemonic.ts'
export { exportKeyFile, importKeyFile } from './identity/keyfile.ts'
export { parseInviteLink } from './room/invite.ts'
export type { StorageBackend, UpdateStore } from './history/types.ts'
