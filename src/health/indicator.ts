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

/** An error as safe details: name, code and message, never a stack (DESIGN invariant 8). */
export function errorDetails(err: unknown): Details {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: err.message, errorName: err.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}
