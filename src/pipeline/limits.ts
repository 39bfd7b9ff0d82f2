/**
 * Amazon Data Firehose service limits. Every limit has a source:
 * https://docs.aws.amazon.com/firehose/latest/dev/limits.html
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 */

/** PutRecordBatch: "each PutRecordBatch request supports up to 500 records". */
export const MAX_RECORDS_PER_BATCH = 500;

/** PutRecordBatch: "... or 4 MiB for the entire request", counting raw Data bytes (before base64). */
export const MAX_BYTES_PER_BATCH = 4 * 1024 * 1024;

/** "Each record in the request can be as large as 1,000 KiB (before base64 encoding)". */
export const MAX_RECORD_BYTES = 1_024_000;

/** Per-stream quotas in the large regions (us-east-1, us-west-2, eu-west-1); 1 MiB/s elsewhere. */
export const DEFAULT_STREAM_QUOTA = {
  recordsPerSecond: 500_000,
  requestsPerSecond: 2_000,
  bytesPerSecond: 5 * 1024 * 1024,
} as const;
