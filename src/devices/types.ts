/** Public types of linked devices (used by the chat API, `src/chat/types.ts`). */
export type { DeviceInfo } from './device-registry.ts'
export type { LinkedIdentity, LinkOfferHandle, RevokeResult } from './device-manager.ts'
