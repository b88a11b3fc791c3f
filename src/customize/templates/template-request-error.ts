import { notFound, RequestError } from '../../core/errors.js'
import type { DeleteTemplateError, PreviewError, SaveTemplateError } from './template-service.js'
import { formatProblem } from './template-problems.js'

/**
 * A template outcome as the request error the API and the CLI answer with. Problems travel in
 * `details` as a list (part, line, column, message, …), so a client can mark each place.
 */
export function templateRequestError(
  error: SaveTemplateError | DeleteTemplateError | PreviewError,
): RequestError {
  switch (error.type) {
    case 'invalid_template': {
      const first = error.problems[0]
      const count = error.problems.length
      return new RequestError(
        'invalid_template',
        400,
        `Template "${error.template}" has ${count} problem${count === 1 ? '' : 's'}` +
          (first === undefined ? '' : `; first: ${formatProblem(first, error.template)}`),
        error.problems,
      )
    }
    case 'template_exists':
      return new RequestError(
        'template_exists',
        409,
        `A template named "${error.name}" exists; update it instead`,
        { name: error.name },
      )
    case 'template_not_found':
      return notFound(`Template "${error.name}"`, { name: error.name })
    case 'version_conflict':
      return new RequestError(
        'version_conflict',
        409,
        `Template "${error.name}" is at version ${error.actual}, not ${error.expected}: reload it and save again`,
        { name: error.name, expected: error.expected, actual: error.actual },
      )
    case 'template_in_use':
      return new RequestError(
        'template_in_use',
        409,
        `Template "${error.name}" is used by ${error.users.join(', ')}; change those first`,
        { name: error.name, users: error.users },
      )
    case 'customer_not_found':
      return notFound(`Customer "${error.customerId}"`, { customerId: error.customerId })
    case 'render_failed':
      return new RequestError(
        'render_failed',
        422,
        `Template "${error.template}" does not render for this customer: ${formatProblem(error.problem, error.template)}`,
        [error.problem],
      )
  }
}
