// The setup most browser tests share: a real relay process and two fresh browsers, optionally with identities.
import { startRelay } from './app-server.ts'
import type { AppServer } from './app-server.ts'
import { openUser } from './browser.ts'
import type { User } from './browser.ts'
import { createIdentity } from './flows.ts'

export interface Pair {
  relay: AppServer
  alice: User
  bob: User
}

/**
 * Starts a relay process (with extra relay flags, if any) and two browsers; with `names`, each creates an identity
 * with that display name on the relay's page.
 */
export async function startPair (opts: { names?: [string, string], relayArgs?: string[] } = {}): Promise<Pair> {
  const relay = await startRelay(opts.relayArgs != null ? { args: opts.relayArgs } : {})
  const [alice, bob] = await Promise.all([openUser(), openUser()])
  if (opts.names != null) {
    const [a, b] = opts.names
    await Promise.all([createIdentity(alice.page, relay.url, a), createIdentity(bob.page, relay.url, b)])
  }
  return { relay, alice, bob }
}

/** Closes the browsers (deleting their profiles) and stops the relay; tolerates a setup that failed half way. */
export async function stopPair (pair: Partial<Pair>): Promise<void> {
  await pair.alice?.dispose()
  await pair.bob?.dispose()
  await pair.relay?.stop()
}
