#!/usr/bin/env node
// Dependency audit for CI: runs `npm audit --json` (the registry's bulk advisory endpoint) over the whole tree
// (dev tools included: they run in CI and on developers' machines) and fails on any high or critical advisory
// that audit-allowlist.json does not excuse with a written reason.
//
// When the advisory service cannot be reached (no network, or a registry mirror that does not implement
// POST /-/npm/v1/security/advisories/bulk and answers 405), nothing was checked: the script says so loudly and
// exits 0, or 1 with AUDIT_REQUIRED=1 (set it where the real registry is reachable, so a broken audit cannot pass
// silently). It never reports "0 advisories" for an audit that did not run.
//
// Usage: node scripts/audit.mjs [--report file.json] [--allowlist file.json]
//   --report: check a saved `npm audit --json` output instead of running npm audit (tests, offline review).
// Allow-list: audit-allowlist.json, {"entries": [{"id": "GHSA-...", "package": "name", "reason": "why it does not
// apply or why it cannot be fixed yet (at least 20 characters)", "expires": "YYYY-MM-DD" (optional)}]}.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
/** Severities that fail the build. */
export const FAILING = new Set(['high', 'critical'])
/** Shortest reason accepted for an allow-list entry. */
export const MIN_REASON_CHARS = 20
const AUDIT_TIMEOUT_MS = 120_000

/** Validates the allow-list; returns problems (an entry without a real reason, a malformed or expired entry). */
export function checkAllowlist (list, now = new Date()) {
  const problems = []
  if (list === null || typeof list !== 'object' || !Array.isArray(list.entries)) return ['audit-allowlist.json must be {"entries": [...]}']
  for (const [i, e] of list.entries.entries()) {
    const where = `allow-list entry ${i}${typeof e?.id === 'string' ? ` (${e.id})` : ''}`
    if (e === null || typeof e !== 'object') { problems.push(`${where}: not an object`); continue }
    if (typeof e.id !== 'string' || e.id.trim() === '') problems.push(`${where}: needs an advisory "id" (GHSA id, advisory URL or npm source number)`)
    if (typeof e.package !== 'string' || e.package.trim() === '') problems.push(`${where}: needs the "package" it applies to`)
    if (typeof e.reason !== 'string' || e.reason.trim().length < MIN_REASON_CHARS) problems.push(`${where}: needs a written "reason" (at least ${MIN_REASON_CHARS} characters)`)
    if (e.expires !== undefined) {
      const t = Date.parse(e.expires)
      if (Number.isNaN(t)) problems.push(`${where}: "expires" is not a date`)
      else if (t < now.getTime()) problems.push(`${where}: expired on ${e.expires}; review it again`)
    }
  }
  return problems
}

/** Every advisory in an `npm audit --json` (report version 2) output: one row per (package, advisory). */
export function advisoriesOf (report) {
  const out = []
  for (const [pkg, v] of Object.entries(report?.vulnerabilities ?? {})) {
    for (const via of v?.via ?? []) {
      // A string `via` names another vulnerable package this one depends on; that package has its own rows.
      if (typeof via !== 'object' || via === null) continue
      const url = typeof via.url === 'string' ? via.url : ''
      const ghsa = /GHSA-[\w-]+/i.exec(url)?.[0]
      out.push({ package: via.name ?? pkg, severity: via.severity ?? v.severity, title: via.title ?? '', url, ids: [ghsa, url, via.source != null ? String(via.source) : undefined].filter(Boolean) })
    }
  }
  // The same advisory reaches several packages' `via`; keep one row per package and advisory.
  const seen = new Set()
  return out.filter(a => { const k = `${a.package}|${a.ids[0]}`; if (seen.has(k)) return false; seen.add(k); return true })
}

/** Decides the outcome of an audit report against the allow-list. */
export function decide (report, allowlist, now = new Date()) {
  const problems = checkAllowlist(allowlist, now)
  const entries = Array.isArray(allowlist?.entries) ? allowlist.entries : []
  const all = advisoriesOf(report)
  const failing = []
  const allowed = []
  for (const a of all) {
    if (!FAILING.has(a.severity)) continue
    const entry = entries.find(e => e?.package === a.package && a.ids.some(id => id.toLowerCase() === String(e?.id).toLowerCase()))
    if (entry !== undefined && checkAllowlist({ entries: [entry] }, now).length === 0) allowed.push({ ...a, reason: entry.reason })
    else failing.push(a)
  }
  return { ok: failing.length === 0 && problems.length === 0, failing, allowed, problems, total: all.length, counts: report?.metadata?.vulnerabilities ?? {} }
}

/** Runs npm audit; returns { report } or { unreachable: reason }. */
export function runNpmAudit () {
  const res = spawnSync('npm', ['audit', '--json'], { cwd: root, encoding: 'utf8', timeout: AUDIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 })
  if (res.error != null) return { unreachable: `npm audit could not run: ${res.error.message}` }
  let json
  try { json = JSON.parse(res.stdout) } catch { return { unreachable: `npm audit printed no JSON (exit ${res.status}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}` } }
  // npm reports a failed advisory request as a JSON error object, not as an empty report.
  if (json.error != null || json.message != null || json.auditReportVersion === undefined) {
    const msg = json.message ?? json.error?.summary ?? 'no audit report in the answer'
    return { unreachable: `the advisory service answered with an error: ${msg}` }
  }
  return { report: json }
}

function main () {
  const args = process.argv.slice(2)
  const reportFile = args.includes('--report') ? args[args.indexOf('--report') + 1] : undefined
  const allowFile = args.includes('--allowlist') ? args[args.indexOf('--allowlist') + 1] : join(root, 'audit-allowlist.json')
  let allowlist
  try { allowlist = JSON.parse(readFileSync(allowFile, 'utf8')) } catch (err) {
    console.error(`audit: cannot read audit-allowlist.json: ${err.message}`)
    process.exit(1)
  }
  const got = reportFile !== undefined ? { report: JSON.parse(readFileSync(reportFile, 'utf8')) } : runNpmAudit()
  if (got.unreachable !== undefined) {
    const banner = '!'.repeat(100)
    console.warn(`${banner}\nWARNING: dependency audit NOT PERFORMED. ${got.unreachable}\n` +
      'No advisory data was checked; this is not a pass. Run `npm run audit` where the npm registry\'s advisory\n' +
      `endpoint is reachable, with AUDIT_REQUIRED=1 so an unreachable service fails the build.\n${banner}`)
    const lintProblems = checkAllowlist(allowlist)
    for (const p of lintProblems) console.error(`audit: ${p}`)
    process.exit(process.env.AUDIT_REQUIRED === '1' || lintProblems.length > 0 ? 1 : 0)
  }
  const d = decide(got.report, allowlist)
  const c = d.counts
  console.log(`audit: ${d.total} advisories (critical ${c.critical ?? 0}, high ${c.high ?? 0}, moderate ${c.moderate ?? 0}, low ${c.low ?? 0}); ` +
    `${d.failing.length} failing, ${d.allowed.length} allowed by audit-allowlist.json`)
  for (const a of d.allowed) console.log(`  allowed ${a.severity} ${a.package}: ${a.title} (${a.url}) because: ${a.reason}`)
  for (const a of d.failing) console.error(`  FAIL ${a.severity} ${a.package}: ${a.title} ${a.url}`)
  for (const p of d.problems) console.error(`audit: ${p}`)
  process.exit(d.ok ? 0 : 1)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
