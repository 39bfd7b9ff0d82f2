/**
 * Start-up checks against the brokers, each failure with a clear, specific
 * message: TLS trust problems and a refused client certificate fail at once
 * (waiting cannot fix them); an unreachable broker is waited for with backoff,
 * saying what we wait for; a missing topic names the topic and how to create it.
 */
import type { Admin } from 'kafkajs';
import type { Clock, Random } from '../clock';
import { AbortedError, AppError } from '../errors';
import { fullJitterDelay } from '../flow/backoff';
import type { Logger } from '../logging/types';

export class KafkaStartupError extends AppError {}

/** Node/OpenSSL codes meaning "we do not trust the broker's certificate". */
const UNTRUSTED_BROKER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Walk kafkajs's wrappers (NumberOfRetriesExceeded → ConnectionError → socket error). */
function chain(err: unknown): Array<{ message?: string; code?: string; name?: string }> {
  const out: Array<{ message?: string; code?: string; name?: string }> = [];
  let cur: unknown = err;
  for (let i = 0; cur && i < 8; i++) {
    out.push(cur as { message?: string; code?: string });
    const c = cur as { cause?: unknown; originalError?: unknown };
    cur = c.cause ?? c.originalError;
  }
  return out;
}

/** Classify a connection failure: a fatal KafkaStartupError, or null when waiting may help. */
export function classifyConnectError(err: unknown, brokers: readonly string[]): KafkaStartupError | null {
  const links = chain(err);
  const text = links.map((l) => `${l.code ?? ''} ${l.message ?? ''}`).join(' | ');
  const where = brokers.join(',');
  for (const l of links) {
    if (l.code && UNTRUSTED_BROKER.has(l.code)) {
      return new KafkaStartupError(
        'KAFKA_TLS_UNTRUSTED_BROKER',
        `TLS handshake with ${where} failed: the broker's certificate is not signed by a CA in the configured truststore (kafka.tls.truststorePath) [${l.code}]`,
      );
    }
    if (l.code === 'CERT_HAS_EXPIRED') {
      return new KafkaStartupError('KAFKA_TLS_BROKER_CERT_EXPIRED', `TLS handshake with ${where} failed: the broker's certificate has expired [${l.code}]`);
    }
    if (l.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new KafkaStartupError('KAFKA_TLS_HOSTNAME_MISMATCH', `TLS handshake with ${where} failed: the broker's certificate does not name this host (${l.message ?? ''})`);
    }
  }
  if (/certificate required|CERTIFICATE_REQUIRED/i.test(text)) {
    return new KafkaStartupError(
      'KAFKA_TLS_CLIENT_CERT_REQUIRED',
      `the broker ${where} requires a client certificate (ssl.client.auth=required) and none was presented; configure kafka.tls keystore`,
    );
  }
  if (/unknown ca|bad certificate|certificate unknown|certificate expired|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED)/i.test(text)) {
    return new KafkaStartupError(
      'KAFKA_TLS_CLIENT_CERT_REJECTED',
      `the broker ${where} refused the TLS handshake: it requires a client certificate signed by a CA it trusts, and ours was missing or not trusted (${firstMessage(links)})`,
    );
  }
  if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(text)) {
    return new KafkaStartupError('KAFKA_TLS_NOT_TLS', `${where} did not answer with TLS: is this the SSL listener? (${firstMessage(links)})`);
  }
  return null;
}

function firstMessage(links: Array<{ message?: string }>): string {
  return links.map((l) => l.message).filter(Boolean).pop() ?? 'unknown error';
}

export interface PreflightOptions {
  admin: Pick<Admin, 'connect' | 'disconnect' | 'listTopics'>;
  brokers: readonly string[];
  topics: readonly string[];
  /** Dead-letter topics that must exist too (empty when the DLQ is off). */
  dlqTopics: readonly string[];
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Give up waiting for an unreachable broker after this long; 0 = wait forever. */
  giveUpAfterMs: number;
  signal?: AbortSignal;
}

export async function preflight(opts: PreflightOptions): Promise<void> {
  const started = opts.clock.now();
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new AbortedError('start-up cancelled');
    try {
      await opts.admin.connect();
      break;
    } catch (err) {
      const fatal = classifyConnectError(err, opts.brokers);
      if (fatal) throw fatal;
      const waited = opts.clock.now() - started;
      // A peer that hangs up mid-handshake is most often a PLAINTEXT listener; it
      // can also be a broker going down, so it is waited for, with the hint.
      const closedInHandshake = /before secure TLS connection was established/.test(firstMessage(chain(err)));
      const hint = closedInHandshake ? 'the broker closed the connection during the TLS handshake: is this its SSL listener, not PLAINTEXT?' : undefined;
      if (opts.giveUpAfterMs > 0 && waited >= opts.giveUpAfterMs) {
        throw new KafkaStartupError(
          closedInHandshake ? 'KAFKA_TLS_HANDSHAKE_CLOSED' : 'KAFKA_UNREACHABLE',
          `Kafka brokers ${opts.brokers.join(',')} unreachable for ${Math.round(waited / 1000)} s: ${hint ?? firstMessage(chain(err))}`,
          { retriable: true },
        );
      }
      const delay = fullJitterDelay(attempt, 500, 15_000, opts.random);
      opts.logger.warn('waiting for Kafka brokers to become reachable', {
        ...(hint ? { hint } : {}),
        brokers: opts.brokers,
        attempt: attempt + 1,
        retryInMs: Math.round(delay),
        error: firstMessage(chain(err)),
      });
      await opts.clock.sleep(delay, opts.signal);
    }
  }
  try {
    const existing = new Set(await opts.admin.listTopics());
    const missing = opts.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new KafkaStartupError(
        'KAFKA_TOPIC_MISSING',
        `topic(s) ${missing.map((t) => `'${t}'`).join(', ')} do not exist on ${opts.brokers.join(',')}; create them (scripts/create-test-topic.sh NAME) — this service never auto-creates topics`,
      );
    }
    const missingDlq = opts.dlqTopics.filter((t) => !existing.has(t));
    if (missingDlq.length > 0) {
      throw new KafkaStartupError(
        'KAFKA_DLQ_TOPIC_MISSING',
        `dead-letter topic(s) ${missingDlq.map((t) => `'${t}'`).join(', ')} do not exist; create them or set kafka.dlq.topic`,
      );
    }
  } finally {
    await opts.admin.disconnect().catch(() => undefined);
  }
}
