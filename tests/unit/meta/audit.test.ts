/**
 * scripts/audit.mjs decides on saved `npm audit --json` reports: a high or critical advisory fails unless the
 * allow-list excuses it with a written reason; an allow-list entry without a reason, or expired, fails by itself;
 * an unreachable advisory service is reported as not performed, never as a pass with 0 advisories.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'cs-audit-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const GHSA = 'GHSA-aaaa-bbbb-cccc'
function report (severity: string): unknown {
  return {
    auditReportVersion: 2,
    vulnerabilities: {
      'left-pad': { name: 'left-pad', severity, isDirect: false, via: [{ source: 1234, name: 'left-pad', title: 'Prototype pollution', url: `https://github.com/advisories/${GHSA}`, severity, range: '<1.3.1' }], effects: ['app'] },
      app: { name: 'app', severity, isDirect: true, via: ['left-pad'], effects: [] }
    },
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: severity === 'high' ? 2 : 0, critical: 0, total: 2 } }
  }
}

function run (rep: unknown, allow: unknown): { code: number | null, out: string } {
  const r = join(dir, `r-${Math.random()}.json`)
  const a = join(dir, `a-${Math.random()}.json`)
  writeFileSync(r, JSON.stringify(rep))
  writeFileSync(a, JSON.stringify(allow))
  const res = spawnSync(process.execPath, [join(root, 'scripts/audit.mjs'), '--report', r, '--allowlist', a], { encoding: 'utf8' })
  return { code: res.status, out: res.stdout + res.stderr }
}

describe('dependency audit', () => {
  it('fails on a high advisory that is not allowed', () => {
    const r = run(report('high'), { entries: [] })
    expect(r.code).toBe(1)
    expect(r.out).toContain('FAIL high left-pad')
  })

  it('passes a high advisory allowed with a written reason, and names the reason', () => {
    const r = run(report('high'), { entries: [{ id: GHSA, package: 'left-pad', reason: 'only used by a build tool on trusted input' }] })
    expect(r.code).toBe(0)
    expect(r.out).toContain('allowed high left-pad')
    expect(r.out).toContain('only used by a build tool')
  })

  it('refuses an allow-list entry without a real reason, or expired', () => {
    expect(run(report('high'), { entries: [{ id: GHSA, package: 'left-pad', reason: 'ok' }] }).code).toBe(1)
    expect(run(report('high'), { entries: [{ id: GHSA, package: 'left-pad', reason: 'only used by a build tool on trusted input', expires: '2020-01-01' }] }).code).toBe(1)
  })

  it('lets moderate advisories through (reported, not failing)', () => {
    const r = run(report('moderate'), { entries: [] })
    expect(r.code).toBe(0)
    expect(r.out).toContain('0 failing')
  })

  it('reports an unreachable advisory service as not performed (fails with AUDIT_REQUIRED=1)', () => {
    // A registry that refuses the bulk endpoint answers like this mirror does (405).
    const res = spawnSync(process.execPath, ['-e', `
      const m = await import(${JSON.stringify(join(root, 'scripts/audit.mjs'))});
      console.log(JSON.stringify(m.decide({ auditReportVersion: 2, vulnerabilities: {} }, { entries: [] })))`, '--input-type=module'], { encoding: 'utf8' })
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, total: 0 })
    const fake = join(dir, 'bin')
    spawnSync('mkdir', ['-p', fake])
    writeFileSync(join(fake, 'npm'), '#!/bin/sh\necho \'{"message":"405 Method Not Allowed - POST /-/npm/v1/security/advisories/bulk","statusCode":405}\'\nexit 1\n', { mode: 0o755 })
    const env = { ...process.env, PATH: `${fake}:${process.env.PATH ?? ''}` }
    const soft = spawnSync(process.execPath, [join(root, 'scripts/audit.mjs')], { encoding: 'utf8', env })
    expect(soft.status).toBe(0)
    expect(soft.stderr).toContain('dependency audit NOT PERFORMED')
    expect(soft.stdout + soft.stderr).not.toContain('0 advisories')
    const strict = spawnSync(process.execPath, [join(root, 'scripts/audit.mjs')], { encoding: 'utf8', env: { ...env, AUDIT_REQUIRED: '1' } })
    expect(strict.status).toBe(1)
  })
})
