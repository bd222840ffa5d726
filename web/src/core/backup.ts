/**
 * Identity backup and restore for the settings and onboarding screens, over the core's src/identity
 * (BIP39 words and the passphrase-encrypted key file). Loaded on demand: the word list and scrypt are not
 * needed for first paint.
 */
import { mnemonicToSeed, seedToMnemonic } from '../../../src/identity/mnemonic.ts'
import { identityFromSeed } from './identity.ts'
import type { DeviceIdentity } from './identity.ts'

/** The 24 recovery words of an identity, space separated. */
export function wordsOf (identity: DeviceIdentity): string {
  return seedToMnemonic(identity.seed)
}

/** Restores from 24 words; throws InvalidMnemonicError when they are not a valid phrase. */
export function identityFromWords (words: string): DeviceIdentity {
  return identityFromSeed(mnemonicToSeed(words))
}

/** The key file of an identity, sealed with `passphrase`. */
export async function keyFileOf (identity: DeviceIdentity, passphrase: string): Promise<Uint8Array> {
  const { exportKeyFile } = await import('../../../src/identity/keyfile.ts')
  return new TextEncoder().encode(await exportKeyFile(identity, passphrase))
}

/** Restores from a key file; throws WrongPassphraseError or MalformedError. */
export async function identityFromKeyFile (file: Uint8Array, passphrase: string): Promise<DeviceIdentity> {
  const { importKeyFile } = await import('../../../src/identity/keyfile.ts')
  // The key file is JSON text; anything that does not decode as UTF-8 is not one.
  const text = new TextDecoder('utf-8', { fatal: true }).decode(file)
  return identityFromSeed((await importKeyFile(text, passphrase)).seed)
}
