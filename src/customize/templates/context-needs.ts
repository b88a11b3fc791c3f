import type { SegmentArray } from './segment-array.js'

/**
 * The costly parts of a context a template uses, so a batch builds only those: the value
 * scores, the signed links, and each recommendation list. The customer, shop, offer and
 * campaign are always there.
 */
export interface ContextNeeds {
  readonly value: boolean
  readonly links: boolean
  readonly forYou: boolean
  readonly becauseYouBought: boolean
  readonly discovery: boolean
}

export const ALL_CONTEXT_NEEDS: ContextNeeds = {
  value: true,
  links: true,
  forYou: true,
  becauseYouBought: true,
  discovery: true,
}

const LIST_NEEDS = {
  forYou: 'forYou',
  becauseYouBought: 'becauseYouBought',
  discovery: 'discovery',
} as const

/**
 * What a template needs, from the global variables static analysis found in it (partials and
 * layouts included). A root named whole (`{{ recommendations | json }}`) or with a dynamic key
 * needs all of it.
 */
export function needsOf(variables: readonly SegmentArray[]): ContextNeeds {
  const needs = {
    value: false,
    links: false,
    forYou: false,
    becauseYouBought: false,
    discovery: false,
  }
  for (const segments of variables) {
    const root = segments[0]
    if (root === 'value') needs.value = true
    else if (root === 'links') needs.links = true
    else if (root === 'recommendations') {
      const list = segments[1]
      if (typeof list === 'string' && Object.hasOwn(LIST_NEEDS, list)) {
        needs[LIST_NEEDS[list as keyof typeof LIST_NEEDS]] = true
      } else if (list !== 'model') {
        needs.forYou = true
        needs.becauseYouBought = true
        needs.discovery = true
      }
    }
  }
  return needs
}
