/** `chatsphere id` and `room` management as real processes: backup and restore by mnemonic and key file. */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, cli, tempDir } from './support/processes.ts'

describe('CLI identity and rooms', () => {
  afterAll(async () => { await cleanupDirs() })

  it('exports and imports an identity by mnemonic and by key file', async () => {
    const a = await tempDir()
    const created = await cli(['--data', a, '--json', 'id', 'create', '--name', 'Ana'])
    expect(created.code).toBe(0)
    const { userId, mnemonic } = JSON.parse(created.stdout) as { userId: string, mnemonic: string }
    expect(mnemonic.split(' ')).toHaveLength(24)
    const exported = await cli(['--data', a, 'id', 'export', '--mnemonic'])
    expect(exported.stdout.trim()).toBe(mnemonic)

    const b = await tempDir()
    const imported = await cli(['--data', b, '--json', 'id', 'import', '--mnemonic', mnemonic])
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout).userId).toBe(userId)

    const keyFile = join(a, 'ana.key')
    const env = { CHATSPHERE_PASSPHRASE: 'correct horse battery staple' }
    expect((await cli(['--data', a, 'id', 'export', '--key-file', keyFile], env)).code).toBe(0)
    const c = await tempDir()
    const wrong = await cli(['--data', c, 'id', 'import', '--key-file', keyFile], { CHATSPHERE_PASSPHRASE: 'wrong' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1)
    const right = await cli(['--data', c, '--json', 'id', 'import', '--key-file', keyFile], env)
    expect(right.code).toBe(0)
    expect(JSON.parse(right.stdout).userId).toBe(userId)
    const shown = await cli(['--data', c, '--json', 'id', 'show'])
    expect(JSON.parse(shown.stdout).userId).toBe(userId)
  })

  it('creates, lists, finds by id prefix and leaves rooms', async () => {
    const d = await tempDir()
    expect((await cli(['--data', d, 'id', 'create'])).code).toBe(0)
    const room = JSON.parse((await cli(['--data', d, '--json', 'room', 'create', 'plans'])).stdout) as { id: string, invite: string }
    expect(room.invite).toContain('#/join/1/')
    const list = await cli(['--data', d, '--json', 'room', 'list'])
    expect(JSON.parse(list.stdout)).toMatchObject({ id: room.id, name: 'plans', messages: 0 })
    const left = await cli(['--data', d, 'room', 'leave', room.id.slice(0, 8)])
    expect(left.code).toBe(0)
    expect((await cli(['--data', d, 'room', 'list'])).stdout).toContain('no rooms yet')
  })
})
