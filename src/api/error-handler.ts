import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { InfrastructureError, RequestError } from '../core/errors.js'
import { errorBody } from './error-body.js'

/** Fastify's own error codes, mapped to our stable codes. */
const FASTIFY_CODES: Readonly<Record<string, { status: number; code: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
}

/** The one place where errors become HTTP responses. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof RequestError) {
    void reply.status(error.status).send(errorBody(error.code, error.message, error.details))
    return
  }
  if (isFastifyError(error) && hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath}`,
      message: issue.message ?? 'invalid',
    }))
    const first = details[0]
    const where = first === undefined ? '' : ` (${first.path}: ${first.message})`
    void reply.status(400).send(errorBody('invalid_input', `Request is invalid${where}`, details))
    return
  }
  if (isFastifyError(error)) {
    const known = FASTIFY_CODES[error.code]
    if (known !== undefined) {
      void reply.status(known.status).send(errorBody(known.code, error.message))
      return
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      void reply
        .status(400)
        .send(errorBody('invalid_json', `Body is not valid JSON: ${error.message}`))
      return
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      void reply.status(status).send(errorBody('bad_request', error.message))
      return
    }
  }
  const retryable = error instanceof InfrastructureError && error.retryable
  request.log.error({ err: error }, 'request failed')
  void reply
    .status(retryable ? 503 : 500)
    .send(
      errorBody(
        retryable ? 'unavailable' : 'internal',
        retryable ? 'A dependency is unavailable; retry later' : 'Internal error',
      ),
    )
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'statusCode' in error
}
