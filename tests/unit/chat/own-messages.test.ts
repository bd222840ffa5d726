/**
 * Delivery bookkeeping of our own messages: what each relay has not been seen to hold, what was sent lately, and the
 * "seen by N" walk, which stops early and must still give exactly what counting every marker for every message gives.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OwnMessages, seenState, walkSeen } from '../../../src/chat/own-messages.ts'
import type { Mine } from '../../../src/chat/own-messages.ts'
import type { MessageView } from '../../../src/history/types.ts'

const ME = 'me'
const mine = (since = 0): Mine => ({ relays: new Set(), delivery: { state: 'local' }, durable: true, since })

function view (id: string, authorId: string): MessageView {
  return { id, authorId, text: id, time: 0, index: 0, edited: false, deleted: false, reactions: {}, body: { k: 'text', text: id } }
}

describe('OwnMessages', () => {
  it('asks a relay about what it has not been seen to hold, newest first, and forgets what it holds', () => {
    const own = new OwnMessages()
    for (const id of ['a', 'b', 'c']) own.add(id, mine())
    expect(own.pendingIds('r1', 2)).toEqual(['c', 'b'])
    expect(own.markHeld('r1', 'c')).toBe(true)
    expect(own.markHeld('r1', 'c')).toBe(false)
    expect(own.pendingIds('r1', 5)).toEqual(['b', 'a'])
    // Added after the relay was first asked about: pending for it too; another relay starts from everything.
    own.add('d', mine(1))
    expect(own.pendingIds('r1', 5)).toEqual(['d', 'b', 'a'])
    expect(own.pendingIds('r2', 5)).toEqual(['d', 'c', 'b', 'a'])
    for (const id of ['a', 'b', 'd']) own.markHeld('r1', id)
    expect(own.unheld('r1').size).toBe(0)
    expect(own.get('a')?.relays).toEqual(new Set(['r1']))
    expect(own.markHeld('r1', 'nope')).toBe(false)
  })

  it('says a relay lost a message when it holds a later one, or lacks it too long; only within the keep period', () => {
    const own = new OwnMessages()
    own.add('loaded', mine(0))
    own.add('x', mine(1_000))
    own.add('y', mine(1_500))
    const lost = (now: number): boolean => own.lostOnTheWay('r', now, 60_000, 5_000, 1_000)
    expect(lost(2_000)).toBe(false) // lagging: holds neither
    own.markHeld('r', 'y')
    expect(lost(1_900)).toBe(false) // x is not a second old yet
    expect(lost(2_100)).toBe(true) // y held, x still lacking
    own.markHeld('r', 'x')
    expect(lost(2_100)).toBe(false)
    own.add('z', mine(3_000))
    expect(lost(7_999)).toBe(false)
    expect(lost(8_000)).toBe(true) // lacking z five seconds after sending it
    expect(lost(63_000)).toBe(false) // out of the keep period: the periodic refresh deals with it
  })

  it('answers as a walk over every message sent in the keep period would', () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant('send' as const), after: fc.nat({ max: 3_000 }) }),
      fc.record({ t: fc.constant('hold' as const), which: fc.nat() }),
      fc.record({ t: fc.constant('load' as const) }),
      fc.record({ t: fc.constant('ask' as const), after: fc.nat({ max: 20_000 }) })
    )
    fc.assert(fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      const own = new OwnMessages()
      const all: Array<{ id: string, m: Mine }> = []
      let now = 1
      steps.forEach((s, i) => {
        if (s.t === 'send' || s.t === 'load') {
          if (s.t === 'send') now += s.after
          const m = mine(s.t === 'send' ? now : 0)
          own.add(`m${i}`, m)
          all.push({ id: `m${i}`, m })
        } else if (s.t === 'hold') {
          if (all.length > 0) own.markHeld('r', (all[s.which % all.length] as { id: string }).id)
        } else {
          now += s.after // the clock only goes forward: what aged out is forgotten for good
          const at = now
          // The walk this replaced (send order; loaded ones and those before the keep period skipped).
          let expected = false
          let unheld = false
          for (const { m } of all) {
            if (m.since === 0 || m.since <= at - 60_000) continue
            if (m.relays.has('r')) {
              if (unheld) { expected = true; break }
            } else if (m.since <= at - 5_000) {
              expected = true
              break
            } else if (m.since <= at - 1_000) {
              unheld = true
            }
          }
          expect(own.lostOnTheWay('r', at, 60_000, 5_000, 1_000)).toBe(expected)
        }
      })
    }), { numRuns: 500 })
  })
})

describe('walkSeen', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('append' as const), ours: fc.boolean() }),
    fc.record({ t: fc.constant('insert' as const), at: fc.nat() }),
    fc.record({ t: fc.constant('read' as const), reader: fc.nat({ max: 4 }), at: fc.nat() })
  )

  it('gives every message of ours the count of readers at or after it, as a walk of everything would', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const views: MessageView[] = []
      const own = new OwnMessages()
      const markers = new Map<string, string>([[ME, 'ignored: our own marker']])
      const state = seenState()
      let n = 0
      for (const o of ops) {
        if (o.t === 'append') {
          const v = view(`m${n++}`, o.ours ? ME : 'them')
          views.push(v)
          if (o.ours) own.add(v.id, mine(1))
        } else if (o.t === 'insert') {
          // One of ours from another device, synced in between older messages.
          const v = view(`m${n++}`, ME)
          views.splice(o.at % (views.length + 1), 0, v)
          own.add(v.id, mine())
          state.full = true
        } else if (views.length > 0) {
          markers.set(`reader${o.reader}`, (views[o.at % views.length] as MessageView).id)
        }
        walkSeen(views, markers, ME, own, state, (_id, m, peers) => { m.delivery = { state: 'seen', peers } })
        // The reference: every reader's marker position against every message of ours.
        const position = new Map(views.map((v, i) => [v.id, i]))
        const at = [...markers].filter(([user]) => user !== ME).map(([, id]) => position.get(id) ?? -1)
        views.forEach((v, i) => {
          if (v.authorId !== ME) return
          const peers = at.filter(p => p >= i).length
          if (peers > 0) expect(own.get(v.id)?.delivery).toEqual({ state: 'seen', peers })
        })
      }
    }), { numRuns: 300 })
  })

  it('walks only as far back as the markers that moved', () => {
    const views = Array.from({ length: 1_000 }, (_, i) => view(`m${i}`, i % 2 === 0 ? ME : 'them'))
    const own = new OwnMessages()
    for (const v of views) if (v.authorId === ME) own.add(v.id, mine())
    // Ana read the second message and stopped there (far behind); Ben keeps up.
    const markers = new Map([['ana', 'm1'], ['ben', 'm995']])
    const state = seenState()
    let calls = 0
    const count = (_id: string, m: Mine, peers: number): void => { calls++; m.delivery = { state: 'seen', peers } }
    walkSeen(views, markers, ME, own, state, count)
    expect(calls).toBe(498)
    expect(own.get('m994')?.delivery).toEqual({ state: 'seen', peers: 1 })
    expect(own.get('m0')?.delivery).toEqual({ state: 'seen', peers: 2 })
    // Ben reads two more: the walk ends where Ben was, not at Ana's marker.
    markers.set('ben', 'm997')
    calls = 0
    walkSeen(views, markers, ME, own, state, count)
    expect(calls).toBe(1)
    expect(own.get('m996')?.delivery).toEqual({ state: 'seen', peers: 1 })
    // Nothing moved: no walk at all.
    calls = 0
    walkSeen(views, markers, ME, own, state, count)
    expect(calls).toBe(0)
    // Ana catches up a little: everything back to where she was is walked once.
    markers.set('ana', 'm3')
    walkSeen(views, markers, ME, own, state, count)
    expect(own.get('m2')?.delivery).toEqual({ state: 'seen', peers: 2 })
    expect(own.get('m4')?.delivery).toEqual({ state: 'seen', peers: 1 })
  })
})
