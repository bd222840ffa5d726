/**
 * The full XSS corpus (issue 8, test 8): 2,000+ generated payloads shown in headless Chromium with the relay's
 * real CSP, through the real data path (tests/browser/support/xss-run.ts). npm test runs a sample
 * (tests/browser/xss-corpus.test.ts).
 *
 *   node scripts/node22.mjs bench/xss-corpus.ts              # everything
 *   XSS_LIMIT=500 node scripts/node22.mjs bench/xss-corpus.ts # a spread of 500
 *
 * Exits 1 on any execution, violation or dangerous element.
 */
import setup from '../tests/browser/global-setup.ts'
import { xssCorpus, xssSample } from '../tests/browser/support/xss-corpus.ts'
import { runXssCorpus } from '../tests/browser/support/xss-run.ts'

await setup()
const corpus = xssCorpus()
const payloads = process.env.XSS_LIMIT != null ? xssSample(corpus, Number(process.env.XSS_LIMIT)) : corpus
const r = await runXssCorpus(payloads, { log: (s) => { process.stderr.write(s + '\n') } })
console.log(`xss corpus: ${r.payloads} payloads (${JSON.stringify(r.byField)}), ${r.rendered} seen rendered, ${r.refusedBySender} refused by the sender's own checks, in ${r.seconds.toFixed(0)} s`)
console.log(`executions: ${r.executions.length}, CSP/Trusted Types violations: ${r.violations.length}, dangerous elements: ${r.dangerous.length}, page errors: ${r.pageErrors.length}`)
for (const x of [...r.executions, ...r.violations.map(v => JSON.stringify(v)), ...r.dangerous, ...r.pageErrors].slice(0, 50)) console.log(`  ${String(x)}`)
for (const p of r.notRendered) console.log(`  not seen rendered: ${p.field} #${p.id} ${JSON.stringify(p.text).slice(0, 120)}`)
process.exit(r.executions.length + r.violations.length + r.dangerous.length === 0 ? 0 : 1)
