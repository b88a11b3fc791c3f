import { createGunzip, createInflate } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { RequestError } from '../core/errors.js'

/**
 * Accepts request bodies sent with `Content-Encoding: gzip` or `deflate` (RudderStack and some
 * Segment clients compress batches). The limit applies to the decompressed size, so a small
 * compressed bomb is refused like any oversize body.
 */
export function acceptCompressedBodies(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.toLowerCase()
    if (encoding === undefined || encoding === 'identity') {
      done(null, payload)
      return
    }
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      done(
        new RequestError(
          'unsupported_encoding',
          415,
          `Content-Encoding ${encoding} is not supported; use gzip`,
        ),
      )
      return
    }
    const decoder = encoding === 'gzip' ? createGunzip() : createInflate()
    delete request.headers['content-length']
    done(null, payload.pipe(decoder))
  })
}
