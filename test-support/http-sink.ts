import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface HttpSink {
  readonly url: string
  readonly received: ReceivedRequest[]
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 (port 0). `respond` picks what each request gets, by its
 * number (1-based): a status code, or 'hang' to never answer (a timeout).
 */
export async function startHttpSink(respond: (n: number) => number | 'hang'): Promise<HttpSink> {
  const received: ReceivedRequest[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
      const answer = respond(received.length)
      if (answer === 'hang') return
      response.statusCode = answer
      response.end(answer < 300 ? 'ok' : 'nope')
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
