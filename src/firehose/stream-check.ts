/**
 * Start-up check: the delivery stream must exist and be usable before we
 * consume. Retriable errors (throttling, 5xx, network) are waited out with
 * backoff, saying so; anything else fails start-up naming the stream.
 */
import type { Clock, Random } from '../clock';
import { AppError, FirehoseError } from '../errors';
import { fullJitterDelay } from '../flow/backoff';
import type { Logger } from '../logging/types';
import { classifyRequestError } from './classify';

export async function checkStream(
  check: (name: string, signal: AbortSignal) => Promise<{ status: string }>,
  streamName: string,
  clock: Clock,
  random: Random,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { status } = await check(streamName, signal);
      logger.info('Firehose delivery stream found', { stream: streamName, status });
      return;
    } catch (err) {
      const classified = classifyRequestError(err, signal);
      if (!(classified instanceof FirehoseError) || !classified.retriable) {
        throw new AppError(
          'FIREHOSE_STREAM_UNAVAILABLE',
          `Firehose delivery stream '${streamName}' cannot be used: ${classified.code}: ${classified.message}`,
          { cause: err },
        );
      }
      const delay = fullJitterDelay(attempt, 500, 15_000, random);
      logger.warn('waiting for Firehose', { stream: streamName, error: classified.message, retryInMs: Math.round(delay) });
      await clock.sleep(delay, signal);
    }
  }
}
