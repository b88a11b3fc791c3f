import { describe, expect, it } from 'vitest'
import { explainOfferChoice, type ExplainedCandidate } from './explain-offer-choice.js'

const candidate = (name: string, over: Partial<ExplainedCandidate>): ExplainedCandidate => ({
  name,
  margin: 10,
  cost: 0.5,
  mean: 0.1,
  lower: 0.05,
  upper: 0.2,
  presentations: 50,
  expectedValue: 0.5,
  theta: 0.1,
  value: 0.5,
  ...over,
})

describe('explainOfferChoice', () => {
  const known = candidate('Known', { mean: 0.2, expectedValue: 1.5, theta: 0.18, value: 1.3 })
  const fresh = candidate('Fresh', {
    mean: 0.1,
    expectedValue: 0.5,
    theta: 0.35,
    value: 3.0,
    lower: 0.01,
    upper: 0.6,
    presentations: 2,
  })

  it('says when Thompson sampling explores an offer the posterior mean ranks lower', () => {
    const why = explainOfferChoice('thompson', [known, fresh], 1, 0)
    expect(why).toContain('Chose "Fresh": the highest sampled value of 2 eligible offers, 3.00')
    expect(why).toContain('95% interval 0.010–0.600 from 2 presentations')
    expect(why).toContain(
      'By the posterior mean "Known" ranks first (expected value 1.50 against 0.50)',
    )
    expect(explainOfferChoice('thompson', [known, fresh], 0, 0)).toContain(
      'It also has the highest expected value (1.50)',
    )
  })

  it('names the runner-up in exploit mode, and why nothing was chosen', () => {
    expect(explainOfferChoice('exploit', [known, fresh], 0, 3)).toBe(
      'Chose "Known": the highest expected value of 2 eligible offers, 1.50 = P(accept) 0.200 × ' +
        'margin 10.00 − cost 0.50, ahead of "Fresh" (0.50).',
    )
    expect(explainOfferChoice('exploit', [], -1, 3)).toMatch(/none of the 3 offers is eligible/)
    expect(explainOfferChoice('exploit', [], -1, 0)).toBe('No offer: there are no offers yet.')
    expect(
      explainOfferChoice(
        'exploit',
        [candidate('Dear', { expectedValue: -0.2, mean: 0.03 })],
        -1,
        0,
      ),
    ).toMatch(/^No offer: every eligible offer is expected to cost more than it earns/)
  })
})
