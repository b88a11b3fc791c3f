import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ZodApp } from './app-deps.js'
import { errorBody } from './error-body.js'

/** Paths that belong to the API (any version); they never fall back to index.html. */
const API_PATH = /^\/(v\d+|docs|openapi\.json|health|assets)(\/|\?|$)/

function isApiPath(url: string): boolean {
  return API_PATH.test(url)
}

const MISSING_BUILD =
  'The idic dashboard is not built. Run `npm run build` in the idic checkout, then restart ' +
  '`idic serve`. The API is at /v1 and its documentation at /docs.'

/**
 * Serves the dashboard (a single-page app built by Vite into `root`) at `/`. Unknown non-API
 * GET paths answer index.html so that deep links work; everything else keeps the API's JSON 404.
 * Without a build, `/` explains how to make one.
 */
export async function registerWebApp(app: ZodApp, root: string): Promise<void> {
  const built = existsSync(join(root, 'index.html'))
  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      setHeaders: (reply, path) => {
        // Vite names assets by content hash, so they never change; index.html always may.
        void reply.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        )
      },
    })
  }
  const sendIndex = (reply: FastifyReply): FastifyReply =>
    built
      ? reply.sendFile('index.html')
      : reply.status(503).type('text/plain; charset=utf-8').send(MISSING_BUILD)
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply))
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    // Only a browser navigating (it asks for HTML) gets the app; scripts keep JSON 404s.
    const wantsPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      (request.headers.accept ?? '').includes('text/html') &&
      !isApiPath(request.url)
    if (wantsPage) return sendIndex(reply)
    return reply
      .status(404)
      .send(errorBody('route_not_found', `No route ${request.method} ${request.url}`))
  })
}
