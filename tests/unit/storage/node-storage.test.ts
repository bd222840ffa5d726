import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { tmpdir, hostname } from 'node:os'
import { join } from 'node:path'
import { openStorage } from '../../../src/storage/node.ts'
import { openStorage as viaImport } from '#storage'
import { updateStoreSuite } from '../history/update-store.suite.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

updateStoreSuite('node data dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-data-'))
  let storage: StorageBackend | undefined
  return {
    open: async () => {
      await storage?.close()
      storage = await openStorage({ dir })
      return await storage.openRoom('ab12')
    },
    cleanup: async () => { await storage?.close(); await rm(dir, { recursive: true, force: true }) }
  }
})

describe('node storage backend', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cs-data-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('#storage resolves to the Node backend', () => {
    expect(viaImport).toBe(openStorage)
  })

  it('opening the same dir twice gives DataDirLockedError with a clear message; close releases it', async () => {
    const s = await openStorage({ dir })
    const err = await openStorage({ dir }).catch(e => e)
    expect(err.name).toBe('DataDirLockedError')
    expect(err.message).toContain(dir)
    expect(err.message).toContain('already in use')
    await s.close()
    const again = await openStorage({ dir })
    await again.close()
  })

  it('another live process holding the dir locks it out', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: child.pid, host: hostname(), since: Date.now() }))
      await expect(openStorage({ dir })).rejects.toMatchObject({ name: 'DataDirLockedError' })
    } finally { child.kill('SIGKILL') }
    await new Promise(resolve => child.once('exit', resolve))
    // Its owner is gone now: the stale lock is taken over.
    const s = await openStorage({ dir })
    await s.close()
  })

  it('meta records are replaced atomically and room keys are checked', async () => {
    const s = await openStorage({ dir })
    expect(await s.getMeta('seq')).toBeUndefined()
    await s.setMeta('seq', Uint8Array.of(1))
    await s.setMeta('seq', Uint8Array.of(2, 2))
    expect(await s.getMeta('seq')).toEqual(Uint8Array.of(2, 2))
    expect((await readdir(join(dir, 'meta'))).filter(n => n.endsWith('.tmp'))).toEqual([])
    await expect(s.openRoom('../evil')).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(s.setMeta('a/b', Uint8Array.of(1))).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    const r = await s.openRoom('room1')
    await expect(s.openRoom('room1')).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await r.append(Uint8Array.of(5))
    await s.close()
    expect(await readdir(join(dir, 'rooms'))).toEqual(['room1.log'])
  })
})
