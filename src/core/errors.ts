/**
 * Infrastructure failures (database down, SMTP timeout) are thrown as this class, carrying the
 * cause and whether retrying may help. Expected outcomes are `Result`s, not exceptions.
 */
export class InfrastructureError extends Error {
  readonly retryable: boolean
  readonly code: string

  constructor(code: string, message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, { cause: options.cause })
    this.name = 'InfrastructureError'
    this.code = code
    this.retryable = options.retryable
  }
}

/**
 * A request or command that cannot be carried out as asked: bad input, unknown thing, refused.
 * `status` follows HTTP so the API and the CLI can map it the same way.
 */
export class RequestError extends Error {
  readonly code: string
  readonly status: number
  readonly details: unknown

  constructor(code: string, status: number, message: string, details?: unknown) {
    super(message)
    this.name = 'RequestError'
    this.code = code
    this.status = status
    this.details = details ?? null
  }
}

export function notFound(what: string, details?: unknown): RequestError {
  return new RequestError('not_found', 404, `${what} not found`, details)
}

export function invalidInput(message: string, details?: unknown): RequestError {
  return new RequestError('invalid_input', 400, message, details)
}
