import type { ChatBackend } from './backend.ts'
import type { DeviceIdentity } from './identity.ts'

export interface StartOptions {
  identity: DeviceIdentity
  profile: { name: string, avatar?: string }
  relays: string[]
}

/** Starts the peer. Wired to the core's createChat as soon as it exists. */
export async function startBackend (_options: StartOptions): Promise<ChatBackend> {
  throw new Error('The chat peer is not part of this build yet.')
}
