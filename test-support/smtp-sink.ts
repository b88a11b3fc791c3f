import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import type { AddressInfo } from 'node:net'

export interface ReceivedMail {
  readonly from: string
  readonly to: readonly string[]
  readonly raw: string
}

export interface SmtpSink {
  readonly port: number
  readonly url: string
  readonly received: ReceivedMail[]
  close(): Promise<void>
}

/**
 * A real SMTP server on 127.0.0.1 (random port) that keeps what it receives. `refuse` makes it
 * answer every RCPT TO with 550, like a server that does not accept the recipient; `rcptReply`
 * gives the reply code of the n-th RCPT TO (1-based; null or 250 accepts), e.g. 451 first to
 * greylist, then accept.
 */
export async function startSmtpSink(
  options: { refuse?: boolean; rcptReply?: (n: number) => number | null } = {},
): Promise<SmtpSink> {
  const received: ReceivedMail[] = []
  let rcpts = 0
  const config: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      rcpts += 1
      const code = options.rcptReply?.(rcpts) ?? null
      if (code !== null && code !== 250) {
        const text = code < 500 ? 'Greylisted, try again later' : 'Mailbox unavailable'
        callback(Object.assign(new Error(`${text} (${address.address})`), { responseCode: code }))
        return
      }
      if (options.refuse === true) {
        const error = Object.assign(new Error(`Mailbox ${address.address} unavailable`), {
          responseCode: 550,
        })
        callback(error)
        return
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  }
  const server = new SMTPServer(config)
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** The value of one header in a raw message, with folded lines joined. */
export function headerOf(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? ''
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ')
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0 && line.slice(0, colon).toLowerCase() === name.toLowerCase()) {
      return line.slice(colon + 1).trim()
    }
  }
  return null
}
