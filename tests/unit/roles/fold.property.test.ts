/**
 * Property: whatever membership ops a plain member signs, wherever they land in the log, they change nothing of the
 * room's roles, bans, removals, settings, epoch or removed messages (fast-check over random logs).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { toHex } from '../../../src/crypto/encoding.ts'
import { userIdFromPublicKey } from '../../../src/identity/user-id.ts'
import { foldRoles } from '../../../src/roles/fold.ts'
import type { Body, OpenedMessage } from '../../../src/envelope/types.ts'
import type { RoleState } from '../../../src/roles/types.ts'

const keys = Array.from({ length: 5 }, () => Uint8Array.from(randomBytes(32)))
const ids = keys.map(k => userIdFromPublicKey(k))
/** 0 owner, 1 admin, 2 moderator, 3 bystander, 4 the attacker (a plain member nobody promotes). */
const ATTACKER = 4
const textIds = Array.from({ length: 4 }, () => Uint8Array.from(randomBytes(16)))

function msg (author: number, body: Body, id?: Uint8Array): OpenedMessage {
  const mid = id ?? Uint8Array.from(randomBytes(16))
  return { id: mid, idText: toHex(mid), kind: 1, epoch: 0, author: keys[author] as Uint8Array, authorId: ids[author] as string, device: 1, seq: 1, time: 1, body }
}

const role = fc.constantFrom('owner', 'admin', 'moderator', 'member') as fc.Arbitrary<'owner' | 'admin' | 'moderator' | 'member'>
const user = fc.integer({ min: 0, max: 4 }).map(i => keys[i] as Uint8Array)
const nonAttacker = fc.integer({ min: 0, max: 3 }).map(i => keys[i] as Uint8Array)
const target = fc.constantFrom(...textIds)
const grant = { to: new Uint8Array(32), nonce: new Uint8Array(24), box: new Uint8Array(48) }
/** Any op body. */
const anyOp = (u: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Body> => fc.oneof(
  fc.constant<Body>({ k: 'genesis' }),
  fc.record({ k: fc.constant('role' as const), user: u, role }),
  fc.record({ k: fc.constant('kick' as const), user: u }),
  fc.record({ k: fc.constant('ban' as const), user: u, on: fc.boolean() }),
  fc.record({ k: fc.constant('remove' as const), target, on: fc.boolean() }),
  fc.record({ k: fc.constant('settings' as const), name: fc.constant('x'), invite: fc.constantFrom('member', 'moderator', 'admin') as fc.Arbitrary<'member' | 'moderator' | 'admin'> }),
  fc.record({ k: fc.constant('keys' as const), epoch: fc.integer({ min: 0, max: 4 }), rekey: fc.boolean(), epk: fc.constant(new Uint8Array(32)), grants: fc.constant([grant]).map(g => [...g]) })
)

function snapshot (s: RoleState): unknown {
  return {
    roles: [...s.members].map(([u, m]) => [u, m.role]).filter(([u]) => u !== ids[ATTACKER]).sort(),
    attacker: s.members.get(ids[ATTACKER] as string)?.role ?? 'none',
    banned: [...s.banned].sort(),
    removed: [...s.removed].sort(),
    settings: s.settings,
    epoch: s.epoch,
    removedMessages: [...s.removedMessages].sort(),
    owner: s.owner
  }
}

describe('foldRoles property', () => {
  it('a plain member\'s ops change nothing, wherever they are in the log', () => {
    fc.assert(fc.property(
      // Honest ops by owner/admin/moderator/bystander, never about the attacker (so it stays a plain member).
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), anyOp(nonAttacker)), { maxLength: 25 }),
      fc.array(fc.tuple(fc.nat(), anyOp(user)), { minLength: 1, maxLength: 10 }),
      (honest, attack) => {
        const base: OpenedMessage[] = [msg(0, { k: 'genesis' }), msg(4, { k: 'text', text: 'hi' }),
          ...textIds.map((id, i) => msg(i % 4, { k: 'text', text: 't' }, id)), ...honest.map(([a, b]) => msg(a, b))]
        const attacked = [...base]
        for (const [pos, body] of attack) attacked.splice(2 + (pos % (attacked.length - 1)), 0, msg(ATTACKER, body))
        const before = foldRoles(base)
        // The attacker is a member in the base log; keep it so (kicked/banned by honest ops → it is not a member
        // and its ops are ignored anyway).
        const after = foldRoles(attacked)
        expect(snapshot(after)).toEqual(snapshot(before))
      }
    ), { numRuns: 300 })
  })
})
