import { Drop } from 'liquidjs'
import type { JsonObject, JsonValue } from '../../core/json.js'

/**
 * A customer's free-form traits as templates see them. Traits differ from customer to customer,
 * so a trait one customer lacks reads as null (empty output, `default` applies) instead of
 * failing the render under `strictVariables`, which still guards every other name.
 * JSON.stringify gives the plain traits object.
 */
export class CustomerTraits extends Drop {
  // A private field, so a trait named `values` is not shadowed by it.
  readonly #values: JsonObject

  constructor(values: JsonObject) {
    super()
    this.#values = values
  }

  /** The plain traits (static, so no instance member shadows a trait of the same name). */
  static valuesOf(traits: CustomerTraits): JsonObject {
    return traits.#values
  }

  override liquidMethodMissing(key: string | number): JsonValue {
    const k = String(key)
    return Object.hasOwn(this.#values, k) ? (this.#values[k] ?? null) : null
  }

  toJSON(): JsonObject {
    return this.#values
  }
}
