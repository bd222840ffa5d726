import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** File name of the relay's libp2p key in its data dir (protobuf-encoded private key, mode 0600). */
export const PEER_KEY_FILE = 'peer-key'

/**
 * Loads the relay's persistent libp2p key, creating it on first start, so the relay keeps its peer id (and so
 * every multiaddr peers saved) across restarts.
 */
export async function loadOrCreatePeerKey (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  await writeFile(path + '.tmp', privateKeyToProtobuf(key), { mode: 0o600, flush: true })
  await rename(path + '.tmp', path)
  return key
}
