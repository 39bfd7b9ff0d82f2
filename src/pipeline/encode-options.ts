/** What the workers are told from the configuration: format, level, envelope, validation and the Firehose limits. */
import type { AppConfig } from '../config';
import type { EncodeOptions } from './wire';

export function encodeOptionsOf(config: AppConfig): EncodeOptions {
  return {
    format: config.pipeline.format,
    gzipLevel: config.pipeline.gzipLevel,
    envelope: config.pipeline.envelope,
    aggregate: config.pipeline.aggregate,
    validateJson: config.pipeline.validateJson,
    maxJsonDepth: config.pipeline.maxJsonDepth,
    limits: {
      maxRecordsPerBatch: config.firehose.maxRecordsPerBatch,
      maxBytesPerBatch: config.firehose.maxBytesPerBatch,
      maxRecordBytes: config.firehose.maxRecordBytes,
    },
  };
}
