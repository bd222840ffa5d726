/**
 * The identity functions the web app uses, over the core's src/identity. Kept in one place so the
 * onboarding and settings screens do not depend on the core's file layout.
 */
import { createIdentity, identityFromSeed as coreFromSeed } from '../../../src/identity/identity.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import { fingerprint } from '../../../src/identity/user-id.ts'

export interface DeviceIdentity extends Identity {
  /** 20-digit safety number of the user id. */
  fingerprint: string
}

function withFingerprint (identity: Identity): DeviceIdentity {
  return { ...identity, fingerprint: fingerprint(identity.publicKey) }
}

/** A fresh identity (new random seed). */
export function newIdentity (): DeviceIdentity {
  // Marks for bench/p11-first-message.ts (key derivation on the way to the first message).
  performance.mark('cs:identity-keys')
  const identity = withFingerprint(createIdentity())
  performance.mark('cs:identity-keys-done')
  return identity
}

export function identityFromSeed (seed: Uint8Array): DeviceIdentity {
  return withFingerprint(coreFromSeed(seed))
}
