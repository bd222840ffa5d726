/** The README's API example (docs/api-example.ts) runs against a real relay process. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, ROOT, startRelayProc } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'

describe('docs/api-example.ts', () => {
  let relay: RelayProc | undefined
  afterAll(async () => {
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('runs and prints the message at the receiver', async () => {
    relay = await startRelayProc()
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'docs', 'api-example.ts')], {
      cwd: ROOT, env: { ...process.env, CHATSPHERE_RELAY: relay.url }
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    expect(out).toContain('Ben sees: Ana: hello from the API')
    expect(out).toContain('held by relay: true')
    expect(code).toBe(0)
  })
})
