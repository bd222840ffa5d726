/**
 * Epoch keys: drawing a new one, boxing it to recipients' X25519 box keys (one ephemeral key per op, nacl.box per
 * recipient with a random nonce), and the keyring a peer rebuilds from the grants in the log addressed to it.
 * Nothing here is persisted: the grants are in the room's log, so a restart unboxes them again.
 */
import nacl from 'tweetnacl'
import { EPOCH_KEY_BYTES, MAX_KEY_GRANTS } from '../constants.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { randomBytes } from '../crypto/random.ts'
import type { EpochGrants, KeyGrant, RoleState } from './types.ts'

/** A fresh random epoch key (secretbox). */
export function newEpochKey (): Uint8Array {
  return randomBytes(EPOCH_KEY_BYTES)
}

/**
 * Boxes `key` to each recipient box key, in ops of at most MAX_KEY_GRANTS grants (one ephemeral X25519 key per
 * op). Recipients are deduplicated. Returns one `{ epk, grants }` per op (at least one, possibly with no grants).
 */
export function boxEpochKey (key: Uint8Array, recipients: readonly Uint8Array[]): Array<{ epk: Uint8Array, grants: KeyGrant[] }> {
  const unique = new Map<string, Uint8Array>()
  for (const r of recipients) unique.set(toHex(r), r)
  const all = [...unique.values()]
  const out: Array<{ epk: Uint8Array, grants: KeyGrant[] }> = []
  for (let i = 0; i === 0 || i < all.length; i += MAX_KEY_GRANTS) {
    const eph = nacl.box.keyPair()
    const grants = all.slice(i, i + MAX_KEY_GRANTS).map((to) => {
      const nonce = randomBytes(nacl.box.nonceLength)
      return { to: Uint8Array.from(to), nonce, box: nacl.box(key, nonce, to, eph.secretKey) }
    })
    eph.secretKey.fill(0)
    out.push({ epk: eph.publicKey, grants })
  }
  return out
}

/** This peer's X25519 box key pairs (the identity's; linked devices may add their own). */
export interface BoxKeyPair { publicKey: Uint8Array, secretKey: Uint8Array }

/** Opens the grant of `op` addressed to one of `mine`, or undefined. A box that does not open is skipped. */
export function openGrant (op: EpochGrants, mine: readonly BoxKeyPair[]): Uint8Array | undefined {
  for (const g of op.grants) {
    const pair = mine.find(p => bytesEqual(p.publicKey, g.to))
    if (pair === undefined) continue
    const key = nacl.box.open(g.box, g.nonce, op.epk, pair.secretKey)
    if (key !== null && key.length === EPOCH_KEY_BYTES) return key
  }
  return undefined
}

/** The epoch keys a peer holds for one room: epoch 0 from the room secret, later ones unboxed from the log. */
export class EpochKeyring {
  readonly #keys = new Map<number, Uint8Array>()

  constructor (epoch0Key: Uint8Array) {
    this.#keys.set(0, epoch0Key)
  }

  /** The key of `epoch`, or undefined (frames of that epoch wait). */
  keyFor (epoch: number): Uint8Array | undefined { return this.#keys.get(epoch) }

  has (epoch: number): boolean { return this.#keys.has(epoch) }

  /** Epochs held, ascending. */
  epochs (): number[] { return [...this.#keys.keys()].sort((a, b) => a - b) }

  /** Highest epoch whose key we hold: the one our messages are sealed in. */
  get current (): number {
    let max = 0
    for (const e of this.#keys.keys()) if (e > max) max = e
    return max
  }

  /** Records a key we made (our own rekey), before its op is back from the log. */
  add (epoch: number, key: Uint8Array): void {
    if (!this.#keys.has(epoch)) this.#keys.set(epoch, key)
  }

  /**
   * Unboxes every grant of `state` addressed to `mine`. Only grants of accepted ops count (the fold checked their
   * signers). The accepted rekey op of an epoch decides its key: a key we drew for a rekey that lost a race (another
   * rekey to the same epoch came first in log order) is replaced by the winner's. Returns the epochs learned or
   * changed.
   */
  learn (state: RoleState, mine: readonly BoxKeyPair[]): number[] {
    const learned: number[] = []
    for (const op of state.keyOps) {
      const held = this.#keys.get(op.epoch)
      if (held !== undefined && !op.rekey) continue
      const key = openGrant(op, mine)
      if (key === undefined || (held !== undefined && bytesEqual(held, key))) continue
      this.#keys.set(op.epoch, key)
      learned.push(op.epoch)
    }
    return learned
  }
}

/** Box keys (hex) that already hold a grant of `epoch` in `state`. */
export function grantedKeys (state: RoleState, epoch: number): Set<string> {
  const out = new Set<string>()
  for (const op of state.keyOps) if (op.epoch === epoch) for (const g of op.grants) out.add(toHex(g.to))
  return out
}
