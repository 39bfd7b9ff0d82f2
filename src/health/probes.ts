/**
 * Runs indicators for the probes: each check under a timeout (default 5 s, the
 * original service's `management.endpoint.health` timeout), each result cached
 * for the indicator's `cacheMs` (unless the result says `cacheable: false`, as
 * an answer about a client not created yet does), concurrent callers sharing
 * one running check.
 * So a kubelet, Prometheus and an operator's browser polling together cause at
 * most one DescribeDeliveryStream and one metadata request per cache period.
 *
 * Groups follow Spring Boot's health groups: `liveness` (a restart would help)
 * and `readiness` (the pod can do its job). `/actuator/health` shows every
 * indicator; a group is UP only when all of its indicators are UP.
 *
 * Each evaluation sets `wsqc_health_indicator_status{indicator}` and
 * `wsqc_health_status{probe}` (1 up, 0 down). `refresh()` evaluates everything;
 * the service calls it on a timer so the gauges (and rules with a time window,
 * such as the memory indicator's) stay current even when nobody probes.
 */
import type { Clock } from '../clock';
import { AbortedError } from '../errors';
import type { ProbeLabel } from '../metrics/catalog';
import { down, errorDetails, type HealthStatus, type Indicator, type IndicatorResult } from './indicator';

export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

export type GroupName = ProbeLabel;

export interface ComponentReport {
  readonly status: HealthStatus;
  readonly details: Record<string, unknown>;
}

/** The Spring-style body: `{ status, components: { name: { status, details } } }`. */
export interface HealthBody {
  readonly status: HealthStatus;
  readonly components: Record<string, ComponentReport>;
  readonly groups?: readonly GroupName[];
}

export interface HealthGauges {
  indicator(name: string, up: boolean): void;
  probe(probe: GroupName, up: boolean): void;
}

export interface HealthProbesOptions {
  clock: Clock;
  groups: Readonly<Record<GroupName, readonly Indicator[]>>;
  timeoutMs?: number;
  gauges?: HealthGauges;
}

interface Cached {
  at: number;
  result: IndicatorResult;
}

export class HealthProbes {
  private readonly cache = new Map<string, Cached>();
  private readonly running = new Map<string, Promise<IndicatorResult>>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: HealthProbesOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError(`timeoutMs must be positive, got ${this.timeoutMs}`);
  }

  /** One group's report. */
  async group(name: GroupName): Promise<HealthBody> {
    const components = await this.evaluate(this.opts.groups[name]);
    const status = overall(components);
    this.opts.gauges?.probe(name, status === 'UP');
    return { status, components };
  }

  /** Every indicator of every group (`/actuator/health`). */
  async all(): Promise<HealthBody> {
    const [liveness, readiness] = await Promise.all([this.group('liveness'), this.group('readiness')]);
    const components = { ...liveness.components, ...readiness.components };
    return { status: overall(components), components, groups: ['liveness', 'readiness'] };
  }

  /** Evaluates both groups (for the periodic refresh); never rejects. */
  async refresh(): Promise<void> {
    await this.all();
  }

  private async evaluate(indicators: readonly Indicator[]): Promise<Record<string, ComponentReport>> {
    const results = await Promise.all(indicators.map((i) => this.result(i)));
    const out: Record<string, ComponentReport> = {};
    indicators.forEach((indicator, n) => {
      out[indicator.name] = { status: results[n].status, details: results[n].details };
    });
    return out;
  }

  private result(indicator: Indicator): Promise<IndicatorResult> {
    const now = this.opts.clock.now();
    const cached = this.cache.get(indicator.name);
    if (cached && now - cached.at < indicator.cacheMs) return Promise.resolve(cached.result);
    const pending = this.running.get(indicator.name);
    if (pending) return pending;
    const run = this.runWithTimeout(indicator).then((result) => {
      if (result.cacheable === false) this.cache.delete(indicator.name);
      else this.cache.set(indicator.name, { at: this.opts.clock.now(), result });
      this.running.delete(indicator.name);
      this.opts.gauges?.indicator(indicator.name, result.status === 'UP');
      return result;
    });
    this.running.set(indicator.name, run);
    return run;
  }

  private async runWithTimeout(indicator: Indicator): Promise<IndicatorResult> {
    const abort = new AbortController();
    let out: IndicatorResult | Promise<IndicatorResult>;
    try {
      out = indicator.check(abort.signal);
    } catch (err) {
      return down(errorDetails(err));
    }
    // In-process checks answer at once; only a pending answer needs the timeout.
    if (!(out instanceof Promise)) return out;
    const checked = out.catch((err: unknown) => down(errorDetails(err)));
    const timer = new AbortController();
    const timedOut = this.opts.clock.sleep(this.timeoutMs, timer.signal).then(
      () => {
        abort.abort(new AbortedError(`health check timed out after ${this.timeoutMs} ms`));
        return down({ error: `check timed out after ${this.timeoutMs} ms` });
      },
      () => undefined,
    );
    try {
      const winner = await Promise.race([checked, timedOut]);
      return winner ?? (await checked);
    } finally {
      timer.abort();
    }
  }
}

function overall(components: Record<string, ComponentReport>): HealthStatus {
  return Object.values(components).every((c) => c.status === 'UP') ? 'UP' : 'DOWN';
}
