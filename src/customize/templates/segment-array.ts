/**
 * A variable as liquidjs static analysis gives it (`Variable#toArray`): names and indexes, a
 * nested variable (a dynamic key such as `traits[name]`) as a nested array.
 */
export type SegmentArray = readonly (string | number | SegmentArray)[]
