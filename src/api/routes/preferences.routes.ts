import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import { RequestError } from '../../core/errors.js'
import type { JsonObject } from '../../core/json.js'
import type { Result } from '../../core/result.js'
import { isChannelName } from '../../interact/channel.js'
import { effectiveConsent, listConsents, setConsent } from '../../interact/consents.repository.js'
import { recordEngagement } from '../../interact/engagement.js'
import { eraseCustomer, exportCustomerData } from '../../interact/erase-customer.js'
import { TOKEN_PURPOSES } from '../../interact/message-links.js'
import { getPreferenceView } from '../../interact/preference-view.js'
import { verifyToken, type TokenError } from '../../interact/signed-token.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import type { InteractServices } from '../interact-services.js'
import { renderMessagePage, renderPreferencePage } from '../preference-page.js'

const TokenParams = z.object({ token: z.string().min(1).max(4000) })
const FormBody = z.record(z.string(), z.string())

/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

/**
 * The pages and links customers reach without an API key, authorized by signed tokens: the
 * preference page (expiring), one-click unsubscribe (RFC 8058), open pixel and click redirect.
 */
export function registerPreferenceRoutes(
  app: ZodApp,
  { deps }: RouteContext,
  interact: InteractServices,
): void {
  const { db } = deps.store
  const services = interact.get
  const hidden = { hide: true }
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))))
      },
    )
  }

  async function verify(purpose: string, token: string): Promise<Result<JsonObject, TokenError>> {
    const { links } = await services()
    return verifyToken(links.secret, purpose, token, deps.clock.now())
  }

  function refuse(reply: FastifyReply, error: TokenError): FastifyReply {
    const expired = error.type === 'expired'
    return reply
      .status(expired ? 410 : 403)
      .type('text/html; charset=utf-8')
      .send(
        renderMessagePage(
          expired ? 'This link has expired' : 'This link is not valid',
          expired
            ? 'For your safety, links to your preferences expire. Use the link in a newer message from us, or ask us for a new one.'
            : 'The link is incomplete or has been altered. Use the link exactly as we sent it.',
        ),
      )
  }

  async function customerOf(
    token: string,
    reply: FastifyReply,
  ): Promise<{ customerId: string } | FastifyReply> {
    const verified = await verify(TOKEN_PURPOSES.preferences, token)
    if (!verified.ok) return refuse(reply, verified.error)
    const customerId = verified.value['c']
    if (typeof customerId !== 'string') return refuse(reply, { type: 'malformed' })
    return { customerId }
  }

  function gone(reply: FastifyReply): FastifyReply {
    return reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send(renderMessagePage('Nothing here', 'We keep no data about you.'))
  }

  app.get(
    '/p/:token',
    {
      schema: {
        ...hidden,
        params: TokenParams,
        querystring: z.object({ saved: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const who = await customerOf(request.params.token, reply)
      if (!('customerId' in who)) return who
      const view = await getPreferenceView(db, who.customerId)
      if (view === null) return gone(reply)
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(
          renderPreferencePage(view, `/p/${request.params.token}`, {
            saved: request.query.saved !== undefined,
          }),
        )
    },
  )

  app.post(
    '/p/:token/consents',
    { schema: { ...hidden, params: TokenParams, body: FormBody } },
    async (request, reply) => {
      const who = await customerOf(request.params.token, reply)
      if (!('customerId' in who)) return who
      const form = request.body
      const count = Number(form['n'] ?? '0')
      if (!Number.isInteger(count) || count < 0 || count > 500) {
        throw new RequestError('invalid_input', 400, 'Malformed preference form')
      }
      const now = deps.clock.now()
      const before = await listConsents(db, who.customerId)
      for (let i = 0; i < count; i += 1) {
        const [channel, topic] = (form[`k${i}`] ?? '').split('|', 2)
        if (
          channel === undefined ||
          topic === undefined ||
          topic === '' ||
          !isChannelName(channel)
        ) {
          continue
        }
        // Only what the customer changed is recorded, so untouched rows keep their source.
        const granted = form[`c${i}`] === '1'
        if ((effectiveConsent(before, channel, topic)?.granted ?? false) === granted) continue
        await setConsent(
          db,
          who.customerId,
          { channel, topic, granted, source: 'preference_page' },
          now,
        )
      }
      return reply.redirect(`/p/${request.params.token}?saved=1`, 303)
    },
  )

  app.get(
    '/p/:token/export',
    { schema: { ...hidden, params: TokenParams } },
    async (request, reply) => {
      const who = await customerOf(request.params.token, reply)
      if (!('customerId' in who)) return who
      const data = await exportCustomerData(db, who.customerId)
      return reply
        .type('application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="my-data-${who.customerId}.json"`)
        .send(
          JSON.stringify(
            { exportedAt: new Date(deps.clock.now()).toISOString(), ...data },
            null,
            2,
          ),
        )
    },
  )

  app.post(
    '/p/:token/erase',
    { schema: { ...hidden, params: TokenParams, body: FormBody } },
    async (request, reply) => {
      const who = await customerOf(request.params.token, reply)
      if (!('customerId' in who)) return who
      if (request.body['confirm'] !== 'yes') {
        throw new RequestError('invalid_input', 400, 'Tick the confirmation box to erase your data')
      }
      await eraseCustomer(db, who.customerId, deps.clock.now())
      return reply
        .type('text/html; charset=utf-8')
        .send(
          renderMessagePage(
            'Your data is erased',
            'We deleted everything we kept about you. You will not hear from us again.',
          ),
        )
    },
  )

  async function unsubscribe(token: string, reply: FastifyReply): Promise<FastifyReply> {
    const verified = await verify(TOKEN_PURPOSES.unsubscribe, token)
    if (!verified.ok) return refuse(reply, verified.error)
    const { c, ch, t } = verified.value
    if (
      typeof c !== 'string' ||
      typeof ch !== 'string' ||
      typeof t !== 'string' ||
      !isChannelName(ch)
    ) {
      return refuse(reply, { type: 'malformed' })
    }
    const exists = await db
      .selectFrom('customers')
      .select('id')
      .where('id', '=', c)
      .executeTakeFirst()
    if (exists !== undefined) {
      await setConsent(
        db,
        c,
        { channel: ch, topic: t, granted: false, source: 'one_click_unsubscribe' },
        deps.clock.now(),
      )
    }
    return reply
      .type('text/html; charset=utf-8')
      .send(
        renderMessagePage(
          'You are unsubscribed',
          t === '*'
            ? `You will get no more marketing ${ch === 'email' ? 'email' : 'messages'} from us.`
            : `You will get no more messages about "${t}".`,
        ),
      )
  }

  // RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the URL; no confirmation step.
  app.post(
    '/u/:token',
    { schema: { ...hidden, params: TokenParams, body: FormBody.nullish() } },
    async (request, reply) => unsubscribe(request.params.token, reply),
  )

  // A person who clicks the link in a browser gets a button, so link scanners that prefetch
  // URLs do not unsubscribe anyone.
  app.get('/u/:token', { schema: { ...hidden, params: TokenParams } }, async (request, reply) => {
    const verified = await verify(TOKEN_PURPOSES.unsubscribe, request.params.token)
    if (!verified.ok) return refuse(reply, verified.error)
    return reply
      .type('text/html; charset=utf-8')
      .send(
        renderMessagePage('Unsubscribe', 'Press the button to stop these messages.').replace(
          '</p>',
          `</p><form method="post"><button type="submit" id="unsubscribe">Unsubscribe</button></form>`,
        ),
      )
  })

  app.get('/t/o/:token', { schema: { ...hidden, params: TokenParams } }, async (request, reply) => {
    const verified = await verify(TOKEN_PURPOSES.open, request.params.token)
    if (verified.ok) {
      const { c, d } = verified.value
      if (typeof c === 'string' && typeof d === 'string') {
        await recordEngagement(
          db,
          { customerId: c, deliveryId: d, kind: 'opened' },
          deps.clock.now(),
        )
      }
    }
    // Always the pixel: a broken image helps nobody.
    return reply.type('image/gif').header('cache-control', 'no-store, max-age=0').send(PIXEL)
  })

  app.get('/t/c/:token', { schema: { ...hidden, params: TokenParams } }, async (request, reply) => {
    const verified = await verify(TOKEN_PURPOSES.click, request.params.token)
    if (!verified.ok) return refuse(reply, verified.error)
    const { c, d, u } = verified.value
    if (
      typeof c !== 'string' ||
      typeof d !== 'string' ||
      typeof u !== 'string' ||
      !/^https?:\/\//.test(u)
    ) {
      return refuse(reply, { type: 'malformed' })
    }
    await recordEngagement(
      db,
      { customerId: c, deliveryId: d, kind: 'clicked', url: u },
      deps.clock.now(),
    )
    return reply.header('cache-control', 'no-store').redirect(u, 302)
  })
}
