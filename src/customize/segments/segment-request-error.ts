import { RequestError } from '../../core/errors.js'
import type { SegmentError } from './segment-service.js'

/**
 * A refused segment operation as a RequestError, for the API's error mapper and the CLI's exit
 * codes alike: a bad rule is 400 with every problem (path, message, allowed) in
 * `details.errors`, a taken name 409, an unknown segment 404.
 */
export function segmentRequestError(error: SegmentError): RequestError {
  switch (error.type) {
    case 'invalid_segment_rule':
      return new RequestError('invalid_segment_rule', 400, error.message, {
        errors: error.errors,
      })
    case 'segment_name_taken':
      return new RequestError('segment_name_taken', 409, error.message, { name: error.name })
    case 'segment_not_found':
      return new RequestError('not_found', 404, error.message, { segment: error.segment })
  }
}

/** The value of a Result, or its error thrown as a RequestError. */
export function unwrapSegmentResult<T>(
  result:
    { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SegmentError },
): T {
  if (!result.ok) throw segmentRequestError(result.error)
  return result.value
}
