/** What the UI offers (src/roles/permissions.ts): the fold's rules seen from one member. */
import { describe, expect, it } from 'vitest'
import { permissionsOf } from '../../../src/roles/permissions.ts'
import type { RoleInfo } from '../../../src/roles/types.ts'

const roles: RoleInfo[] = [
  { userId: 'o', role: 'owner', implicit: false },
  { userId: 'a', role: 'admin', implicit: false },
  { userId: 'm', role: 'moderator', implicit: false },
  { userId: 'u', role: 'member', implicit: true }
]

describe('permissionsOf', () => {
  it('the owner may do everything to others, hand the room over, and edit settings', () => {
    const p = permissionsOf('o', roles, true)
    expect(p.assignable('a')).toEqual(['owner', 'moderator', 'member'])
    expect(p.canKick('a')).toBe(true)
    expect(p.canKick('o')).toBe(false)
    expect(p.canEditSettings).toBe(true)
  })

  it('an admin acts below itself only, and cannot make admins', () => {
    const p = permissionsOf('a', roles, true)
    expect(p.assignable('o')).toEqual([])
    expect(p.assignable('a')).toEqual([])
    expect(p.assignable('u')).toEqual(['moderator'])
    expect(p.canBan('m')).toBe(true)
    expect(p.canRemoveMessageOf('o')).toBe(false)
  })

  it('a moderator kicks and removes members\' messages, nothing else; a member nothing', () => {
    const m = permissionsOf('m', roles, true)
    expect(m.canKick('u')).toBe(true)
    expect(m.canKick('a')).toBe(false)
    expect(m.assignable('u')).toEqual([])
    expect(m.canRemoveMessageOf('u')).toBe(true)
    expect(m.canEditSettings).toBe(false)
    const u = permissionsOf('u', roles, true)
    expect([u.canKick('m'), u.canBan('m'), u.canRemoveMessageOf('m'), u.assignable('m').length]).toEqual([false, false, false, 0])
  })

  it('invite follows the setting; open rooms offer no moderation', () => {
    expect(permissionsOf('u', roles, true, 'admin').canInvite).toBe(false)
    expect(permissionsOf('a', roles, true, 'admin').canInvite).toBe(true)
    const open = permissionsOf('u', roles.map(r => ({ ...r, role: 'member' as const })), false)
    expect([open.canInvite, open.canKick('o'), open.canEditSettings]).toEqual([true, false, false])
  })
})
