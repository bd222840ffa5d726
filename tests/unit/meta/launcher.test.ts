import { describe, it, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

describe('Node runtime launcher', () => {
  it('runs tests under Node 22 or newer (libp2p 3 needs it)', () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(major).toBeGreaterThanOrEqual(22)
  })

  it('gives one clear sentence, not a stack trace, when no usable Node can be found', () => {
    // Simulate an old Node: the launcher reads the version from process.version; we run it on an unsupported
    // platform name so it cannot fetch a runtime, which is the path a user on e.g. Node 18/FreeBSD sees.
    const script = `Object.defineProperty(process, 'version', { value: 'v18.19.0' });
      Object.defineProperty(process, 'platform', { value: 'freebsd' });
      delete process.env.CHATSPHERE_NODE;
      const m = await import(${JSON.stringify(join(root, 'scripts', 'node22.mjs'))}); m.resolveNode22()`
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, CHATSPHERE_NODE: '' } })
    expect(res.status).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/needs Node\.js 22\.12 or newer \(this is v18\.19\.0\)/)
    expect(res.stderr).not.toMatch(/at .*\.mjs:\d+/)
  })
})
