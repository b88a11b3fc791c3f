import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('reads the template settings and the serve loops with the rest, defaults included', () => {
    const defaults = loadConfig({})
    expect(defaults.templates).toEqual({
      shopName: 'Our shop',
      shopUrl: 'http://localhost:3000',
      currency: 'EUR',
      locale: 'en-US',
      timezone: 'UTC',
    })
    expect([defaults.campaignWorkerMs, defaults.deliveryWorkerSeconds]).toEqual([5000, 60])

    const set = loadConfig(
      {
        IDIC_PUBLIC_URL: 'https://crm.example/',
        IDIC_SHOP_NAME: 'Green Things',
        IDIC_CURRENCY: 'GBP',
        IDIC_CAMPAIGN_WORKER_MS: '0',
        IDIC_DELIVERY_WORKER_SECONDS: '15',
      },
      { port: 8080 },
    )
    expect(set.templates).toMatchObject({
      shopName: 'Green Things',
      shopUrl: 'https://crm.example',
      currency: 'GBP',
    })
    expect([set.campaignWorkerMs, set.deliveryWorkerSeconds]).toEqual([0, 15])
  })

  it('reads the ingestion inbox settings', () => {
    const inboxSettings = (c: ReturnType<typeof loadConfig>): unknown[] => [
      c.ingestInbox,
      c.ingestMaxBacklog,
      c.ingestProcessorNice,
      c.ingestReadWaitSeconds,
    ]
    expect(inboxSettings(loadConfig({}))).toEqual([true, 500_000, 10, 60])
    const set = loadConfig({
      IDIC_INGEST_INBOX: 'off',
      IDIC_INGEST_MAX_BACKLOG: '20000',
      IDIC_INGEST_PROCESSOR_NICE: '0',
      IDIC_INGEST_READ_WAIT_SECONDS: '2.5',
    })
    expect(inboxSettings(set)).toEqual([false, 20_000, 0, 2.5])
    expect(() => loadConfig({ IDIC_INGEST_READ_WAIT_SECONDS: '0' })).toThrow(
      /IDIC_INGEST_READ_WAIT_SECONDS/,
    )
    expect(() => loadConfig({ IDIC_INGEST_PROCESSOR_NICE: '20' })).toThrow(
      /IDIC_INGEST_PROCESSOR_NICE/,
    )
  })

  it('names every offending variable', () => {
    expect(() => loadConfig({ IDIC_CAMPAIGN_WORKER_MS: 'soon' })).toThrow(
      /^Invalid configuration: IDIC_CAMPAIGN_WORKER_MS: /,
    )
    expect(() => loadConfig({ IDIC_DELIVERY_WORKER_SECONDS: '-1' })).toThrow(
      /IDIC_DELIVERY_WORKER_SECONDS/,
    )
    expect(() => loadConfig({ IDIC_CURRENCY: 'euros' })).toThrow(
      /^Invalid template settings: IDIC_CURRENCY: must be an ISO 4217 code/,
    )
  })
})
