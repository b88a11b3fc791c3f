import { Command, InvalidArgumentError } from 'commander'
import { buildApp } from '../../api/app.js'
import { systemClock } from '../../core/clock.js'
import { loadConfig, redactConfig } from '../../config/config.js'
import { openMigratedStore } from '../../store/open-migrated.js'
import { isShopEmpty } from '../../identify/demo/load-demo-shop.js'
import { startSegmentRefreshTimer } from '../../customize/segments/segment-refresh-timer.js'
import { reportFailure } from '../command-context.js'
import { watchDueDeliveries } from '../../interact/process-due-deliveries.js'
import { attributeOfferAcceptances } from '../../customize/offers/attribute-offer-acceptances.js'
import { buildInteractDeps } from '../../interact/interact-deps.js'
import { closeChannels } from '../../interact/channel.js'
import { buildCampaignDeps } from '../../customize/campaigns/campaign-services.js'
import { startCampaignWorkerLoop } from '../../customize/campaigns/campaign-worker-loop.js'
import {
  DEFAULT_DEMO_CUSTOMERS,
  DEFAULT_DEMO_SEED,
  renderDemoReport,
  runDemo,
} from './demo.command.js'

export function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be an integer from 0 to 65535')
  }
  return port
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the HTTP API (Segment-compatible ingestion, profiles, docs at /docs)')
    .option('--port <port>', 'port to listen on (default: IDIC_PORT or 3000)', parsePort)
    .option('--host <host>', 'address to bind (default: IDIC_HOST or 0.0.0.0)')
    .option('--database <url>', 'database URL (default: IDIC_DATABASE_URL or sqlite:./idic.db)')
    .option('--demo', 'load the demo shop first when the database is empty')
    .action(
      async (options: { port?: number; host?: string; database?: string; demo?: boolean }) => {
        try {
          const config = loadConfig(process.env, {
            ...(options.port === undefined ? {} : { port: options.port }),
            ...(options.host === undefined ? {} : { host: options.host }),
            ...(options.database === undefined ? {} : { databaseUrl: options.database }),
          })
          const store = await openMigratedStore(config.databaseUrl)
          const empty = await isShopEmpty(store.db)
          if (empty && options.demo === true) {
            const report = await runDemo(
              { store, clock: systemClock },
              { customers: DEFAULT_DEMO_CUSTOMERS, seed: DEFAULT_DEMO_SEED, json: false },
            )
            console.log(renderDemoReport(report))
          }
          const app = await buildApp(
            { store, clock: systemClock, config },
            { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } },
          )
          const segmentTimer =
            config.segmentRefreshSeconds > 0
              ? startSegmentRefreshTimer({
                  db: store.db,
                  clock: systemClock,
                  intervalSeconds: config.segmentRefreshSeconds,
                  onRefreshed: (outcomes) => {
                    app.log.info({ segments: outcomes }, 'segments refreshed')
                  },
                  onError: (error) => {
                    app.log.error({ err: error }, 'segment refresh failed')
                  },
                })
              : null
          // Campaign sends are worked off in this process every few seconds (IDIC_CAMPAIGN_WORKER_MS, 0: off).
          const workerMs = config.campaignWorkerMs
          const campaignInteract = await buildInteractDeps(store, systemClock, config)
          const campaignWorker =
            workerMs > 0
              ? startCampaignWorkerLoop(
                  buildCampaignDeps(store, campaignInteract, config.templates),
                  {
                    workerId: `serve-${process.pid}`,
                    intervalMs: workerMs,
                    onRound: (report) => {
                      app.log.info({ report }, 'campaign sends')
                    },
                    onError: (error) => {
                      app.log.error({ err: error }, 'campaign worker round failed')
                    },
                  },
                )
              : null
          // Held messages (quiet hours, caps, webhook and SMTP retries) go out from this process
          // too (IDIC_DELIVERY_WORKER_SECONDS, 0: off; `idic deliveries process --watch` elsewhere).
          const deliverySeconds = config.deliveryWorkerSeconds
          const background = new AbortController()
          if (deliverySeconds > 0) {
            void watchDueDeliveries(campaignInteract, {
              everyMs: deliverySeconds * 1000,
              signal: background.signal,
              onRound: (reports) => {
                if (reports.length > 0) app.log.info({ deliveries: reports }, 'held messages sent')
              },
              onError: (error) => {
                app.log.error({ err: error }, 'held message round failed')
              },
            })
          }
          // Offers count as accepted when an order with their product follows a presentation.
          const offerTimer = setInterval(() => {
            const now = systemClock.now()
            attributeOfferAcceptances(store.db, { now, since: now - 30 * 86_400_000 })
              .then((report) => {
                if (report.attributed > 0) app.log.info({ offers: report }, 'offers accepted')
              })
              .catch((error: unknown) => {
                app.log.error({ err: error }, 'offer attribution failed')
              })
          }, 600_000)
          offerTimer.unref()
          const shutdown = (): void => {
            background.abort()
            clearInterval(offerTimer)
            segmentTimer?.stop()
            void (campaignWorker?.stop() ?? Promise.resolve())
              .then(() => closeChannels(campaignInteract.channels))
              .then(() => app.close())
              .then(() => store.close())
              .finally(() => process.exit(0))
          }
          process.once('SIGINT', shutdown)
          process.once('SIGTERM', shutdown)
          const address = await app.listen({ port: config.port, host: config.host })
          app.log.info({ config: redactConfig(config) }, 'configuration')
          console.log(`idic is listening on ${address}  (API docs: ${address}/docs)`)
          console.log(
            `database: ${store.capabilities.engine} (${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')})`,
          )
          if (empty && options.demo !== true) {
            console.log(
              'The database is empty. To see a living shop, load the demo: ./bin/idic.js demo' +
                ' (or start with: npm start -- --demo). Your own history: ./bin/idic.js import orders FILE',
            )
          }
        } catch (error) {
          reportFailure(error, false)
        }
      },
    )
}
