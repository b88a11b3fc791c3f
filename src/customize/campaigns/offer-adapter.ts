import type { OfferSource } from './campaign-ports.js'

/**
 * Next-best-offer for one-to-one campaigns. Until the offers module is merged there are no
 * stored offers to choose from: no problems, and no offer for anyone (templates guard `offer`).
 */
export function storedOfferSource(): OfferSource {
  return {
    problems: () => Promise.resolve([]),
    chooseBatch: (ids) => Promise.resolve(new Map(ids.map((id) => [id, null]))),
  }
}
