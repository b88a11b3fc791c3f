/** One row (id 1): the last inbox sequence number whose batch is written to the database. */
export interface IngestInboxProgressTable {
  id: number
  processed_seq: number
}

/** An inbox batch that failed to process for a reason other than a busy database, kept whole. */
export interface IngestInboxFailuresTable {
  seq: number
  received_at: number
  /** The inbox entry's payload as it was appended (see identify/inbox-payload.ts). */
  payload: string
  error: string
  failed_at: number
}
