import { z } from 'zod'

/** Every error the API answers has this body; declared on routes so OpenAPI shows it. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable machine-readable code, e.g. invalid_input'),
      message: z.string().describe('what went wrong, for a person'),
      details: z.unknown().describe('where it went wrong: fields, indexes, limits'),
    }),
  })
  .meta({ id: 'Error' })

export type ErrorBody = z.infer<typeof ErrorBodySchema>

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details } }
}

/** The error responses most routes can give, for their `response` schema. */
export const COMMON_ERRORS = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
} as const
