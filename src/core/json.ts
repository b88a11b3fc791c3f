/** A JSON value as stored in text columns. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export function parseJsonObject(text: string | null | undefined): JsonObject {
  if (text === null || text === undefined || text === '') return {}
  const value: unknown = JSON.parse(text)
  return isJsonObject(value) ? value : {}
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
