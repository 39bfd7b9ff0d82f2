/**
 * The shape every health indicator shares, after Spring Boot Actuator's
 * `HealthIndicator` / `Health` (https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.health):
 * a status and a details object with the reasons and figures behind it. The
 * original service's probes and scripts read this JSON, so it keeps the names.
 *
 * Indicators observe; they never decide (DESIGN rooms: decisions live in
 * src/flow/). One small file per indicator; each is pure where it can be and
 * gets its clock and its sources injected.
 */
export type HealthStatus = 'UP' | 'DOWN';

export type Details = Record<string, unknown>;

export interface IndicatorResult {
  readonly status: HealthStatus;
  readonly details: Details;
  /**
   * false: this answer must not be reused (./probes.ts does not cache it). For
   * answers about start-up, such as a client that is not created yet: cached for
   * the indicator's `cacheMs` (30 s for the remote checks), such an answer kept
   * readiness down that long after the client existed (issue 13, defect 6).
   */
  readonly cacheable?: false;
}

export interface Indicator {
  /** The component name in the JSON (`kafkaConsumerGroup`, `processMemory`, ...). */
  readonly name: string;
  /**
   * How long a result may be served from cache (ms). Remote checks (Kafka admin,
   * DescribeDeliveryStream) cache for tens of seconds so probes never hammer
   * them; in-process checks for about a second.
   */
  readonly cacheMs: number;
  /** `signal` aborts when the check's timeout passes; remote checks pass it on. */
  check(signal: AbortSignal): IndicatorResult | Promise<IndicatorResult>;
}

export const up = (details: Details = {}): IndicatorResult => ({ status: 'UP', details });
export const down = (details: Details = {}): IndicatorResult => ({ status: 'DOWN', details });

/** DOWN because `what` (a client the check needs) is not created yet; never cached, so the first probe after it exists runs the real check. */
export const notCreatedYet = (what: string): IndicatorResult => ({ status: 'DOWN', details: { reason: `${what} not created yet (starting)` }, cacheable: false });

/** An error as safe details: name, code and message, never a stack (DESIGN invariant 8). */
export function errorDetails(err: unknown): Details {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: err.message, errorName: err.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}
