/**
 * Readiness: `sslCertificate` — every certificate in the keystore (client
 * chain) and the truststore, as the original service's SslCertificateHealthIndicator:
 *   UP                  more than 30 days left on every certificate;
 *   UP with a warning   30, 15 or 7 days or fewer left: the details carry the
 *                       days left, and each threshold crossed is one log event
 *                       per certificate (`certificate expires within N days`),
 *                       logged once, so 30 → 15 → 7 are three distinct events;
 *   DOWN                a certificate expired or not yet valid.
 * The stores are re-read every `rereadMs` (default 1 h) with the start-up
 * loaders, so a rotated keystore is noticed; a store that cannot be read then
 * is DOWN with the loader's error (file, cause; never the password).
 * `wsqc_certificate_expiry_days{store,subject}` is set on every evaluation.
 *
 * The evaluation is pure over plain certificate facts and a wall-clock time.
 */
import type { X509Certificate } from 'node:crypto';
import type { CertificateStore } from '../labels';
import type { Logger } from '../logging/types';
import { down, errorDetails, up, type Indicator, type IndicatorResult } from './indicator';

/** Warning thresholds in days, most distant first (original: 30 / 15 / 7). */
export const EXPIRY_WARNING_DAYS = [30, 15, 7] as const;
const DAY_MS = 86_400_000;

export interface CertInfo {
  readonly store: CertificateStore;
  readonly subject: string;
  readonly fingerprint: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

export interface CertVerdict {
  readonly store: CertificateStore;
  readonly subject: string;
  readonly notAfter: string;
  readonly daysLeft: number;
  readonly state: 'valid' | 'expiring' | 'expired' | 'not-yet-valid';
  /** The smallest warning threshold reached (30, 15 or 7), when expiring. */
  readonly warningDays?: number;
}

export function certInfo(store: CertificateStore, cert: X509Certificate): CertInfo {
  return {
    store,
    subject: cert.subject.split('\n').filter(Boolean).join(', '),
    fingerprint: cert.fingerprint256,
    notBeforeMs: new Date(cert.validFrom).getTime(),
    notAfterMs: new Date(cert.validTo).getTime(),
  };
}

export function judgeCertificate(c: CertInfo, nowMs: number): CertVerdict {
  const daysLeft = Math.floor((c.notAfterMs - nowMs) / DAY_MS * 10) / 10;
  const base = { store: c.store, subject: c.subject, notAfter: new Date(c.notAfterMs).toISOString(), daysLeft };
  if (nowMs > c.notAfterMs) return { ...base, state: 'expired' };
  if (nowMs < c.notBeforeMs) return { ...base, state: 'not-yet-valid' };
  const reached = EXPIRY_WARNING_DAYS.filter((d) => c.notAfterMs - nowMs <= d * DAY_MS);
  if (reached.length === 0) return { ...base, state: 'valid' };
  return { ...base, state: 'expiring', warningDays: reached[reached.length - 1] };
}

export function evaluateCertificates(certs: readonly CertInfo[], nowMs: number): { result: IndicatorResult; verdicts: CertVerdict[] } {
  const verdicts = certs.map((c) => judgeCertificate(c, nowMs));
  const bad = verdicts.filter((v) => v.state === 'expired' || v.state === 'not-yet-valid');
  const expiring = verdicts.filter((v) => v.state === 'expiring');
  const soonest = verdicts.reduce<number | null>((m, v) => (m === null || v.daysLeft < m ? v.daysLeft : m), null);
  const details = { certificates: verdicts, minDaysLeft: soonest };
  if (certs.length === 0) return { result: down({ ...details, reason: 'no certificates found in the stores' }), verdicts };
  if (bad.length > 0) {
    return { result: down({ ...details, reason: bad.map((v) => `${v.store} "${v.subject}" ${v.state} (notAfter ${v.notAfter})`).join('; ') }), verdicts };
  }
  if (expiring.length > 0) {
    const warning = expiring.map((v) => `${v.store} "${v.subject}" expires in ${v.daysLeft} days`).join('; ');
    return { result: up({ ...details, warning }), verdicts };
  }
  return { result: up({ ...details, reason: `all ${certs.length} certificate(s) valid for more than ${EXPIRY_WARNING_DAYS[0]} days` }), verdicts };
}

export interface CertificateIndicatorOptions {
  /** Reads every certificate of both stores (throws the loader's TlsMaterialError). */
  read(): CertInfo[];
  /** Wall-clock epoch ms (certificate dates are wall-clock). */
  wallNow(): number;
  /** Monotonic ms, for the re-read interval. */
  now(): number;
  rereadMs: number;
  logger: Logger;
  expiryDays?(store: CertificateStore, subject: string, days: number): void;
  cacheMs?: number;
}

export function certificateIndicator(opts: CertificateIndicatorOptions): Indicator {
  let certs: CertInfo[] | null = null;
  let readAt = -Infinity;
  let readError: unknown;
  /** fingerprint → thresholds already logged, so each is one event. */
  const logged = new Map<string, Set<number | string>>();

  const logOnce = (v: CertVerdict, fingerprint: string): void => {
    const key = v.state === 'expiring' ? (v.warningDays as number) : v.state;
    if (v.state === 'valid') return;
    const seen = logged.get(fingerprint) ?? new Set();
    logged.set(fingerprint, seen);
    if (seen.has(key)) return;
    seen.add(key);
    const meta = { store: v.store, subject: v.subject, notAfter: v.notAfter, daysLeft: v.daysLeft };
    if (v.state === 'expiring') opts.logger.warn(`certificate expires within ${String(key)} days`, { ...meta, thresholdDays: key });
    else opts.logger.error(`certificate ${v.state}`, meta);
  };

  return {
    name: 'sslCertificate',
    cacheMs: opts.cacheMs ?? 60_000,
    check: () => {
      if (certs === null || opts.now() - readAt >= opts.rereadMs) {
        readAt = opts.now();
        try {
          certs = opts.read();
          readError = undefined;
        } catch (err) {
          readError = err;
        }
      }
      if (readError !== undefined || certs === null) {
        return down({ reason: 'the keystore or truststore cannot be read', ...errorDetails(readError) });
      }
      const { result, verdicts } = evaluateCertificates(certs, opts.wallNow());
      verdicts.forEach((v, i) => {
        logOnce(v, (certs as CertInfo[])[i].fingerprint);
        opts.expiryDays?.(v.store, v.subject, v.daysLeft);
      });
      return result;
    },
  };
}
