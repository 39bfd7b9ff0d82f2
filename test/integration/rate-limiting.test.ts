/**
 * Issue 6, scenarios 3 and 4: client-side rate limiting against the real broker and
 * moto behind the fault proxy. Ids are checked as sets (lost, duplicated,
 * unexpected); the rate over time is printed from the proxy's per-request timeline.
 *
 * 3. The stream's bytes/s quota (fault proxy `quota`: entries beyond it answered
 *    ServiceUnavailableException) is below the configured firehose.rate.bytesPerSecond:
 *    AIMD cuts the limit on the throttling answers and the sent rate converges
 *    under the quota; only throttled entries are resent; 0 lost.
 * 4. The size-class preset at 75 msg/s on 65 KB messages: the delivered rate over
 *    the steady window is 75 ± 10 %, and the consumer pauses (RATE_LIMIT) with the
 *    backoff 5 s, 7.5 s, … visible in its log, without a rebalance.
 *
 * WSQC_LONG=1 runs longer variants (more data; several pause cycles).
 */
import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { startFaultProxy, type TimelineRow } from '../support/fault-proxy';
import { checkSets, cleanupScenario, EMULATOR, expectDelivered, idsOf, killIfRunning, newScenario, produceScans, readScenario, startConsumer, stopCleanly, waitFor } from './support/harness';

const LONG = process.env.WSQC_LONG === '1';
/** WSQC_DUMP_LOGS=<dir>: write each consumer's log lines there (for reading the pause sequence by eye). */
const dumpLogs = (name: string, lines: readonly string[]): void => {
  if (process.env.WSQC_DUMP_LOGS) writeFileSync(`${process.env.WSQC_DUMP_LOGS}/${name}.log`, lines.join('\n') + '\n');
};

interface Window {
  fromS: number;
  sentPerS: number;
  acceptedPerS: number;
  sentBytesPerS: number;
  acceptedBytesPerS: number;
  throttled: number;
  sent: number;
}

/** Sums the timeline into windows of `windowMs` from its first row. */
function windows(unsorted: readonly TimelineRow[], windowMs: number): Window[] {
  if (unsorted.length === 0) return [];
  const rows = [...unsorted].sort((a, b) => a.atMs - b.atMs);
  const t0 = rows[0].atMs;
  const out: Window[] = [];
  for (const r of rows) {
    const i = Math.floor((r.atMs - t0) / windowMs);
    while (out.length <= i) out.push({ fromS: (out.length * windowMs) / 1000, sentPerS: 0, acceptedPerS: 0, sentBytesPerS: 0, acceptedBytesPerS: 0, throttled: 0, sent: 0 });
    const w = out[i];
    w.sent += r.sentEntries;
    w.throttled += r.throttledEntries;
    w.sentPerS += r.sentEntries / (windowMs / 1000);
    w.acceptedPerS += r.acceptedEntries / (windowMs / 1000);
    w.sentBytesPerS += r.sentBytes / (windowMs / 1000);
    w.acceptedBytesPerS += r.acceptedBytes / (windowMs / 1000);
  }
  return out;
}

/** Least-squares slope (entries/s) of the cumulative accepted count against arrival time. */
function cumulativeSlope(rows: ReadonlyArray<Pick<TimelineRow, 'atMs' | 'acceptedEntries'>>): number {
  let total = 0;
  const pts = rows.map((r) => ({ x: r.atMs / 1000, y: (total += r.acceptedEntries) }));
  const mx = pts.reduce((n, p) => n + p.x, 0) / pts.length;
  const my = pts.reduce((n, p) => n + p.y, 0) / pts.length;
  const sxy = pts.reduce((n, p) => n + (p.x - mx) * (p.y - my), 0);
  const sxx = pts.reduce((n, p) => n + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

const kb = (n: number): string => `${Math.round(n / 1000)} KB/s`;

/** Every entry reached moto exactly once (resends only of the failed ones). */
function forwardedOnce(st: { entriesForwarded: Map<string, number> }): number {
  let bad = 0;
  for (const n of st.entriesForwarded.values()) if (n !== 1) bad += 1;
  return bad;
}

function logged(lines: readonly string[], message: string): Array<Record<string, unknown>> {
  return lines.filter((l) => l.includes(`"${message}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('integration: rate limiting (issue 6 scenarios 3 and 4)', function () {
  this.timeout(600_000);

  it('scenario 3: throttling above a configured quota — AIMD brings the sent rate under the quota; 0 lost', async () => {
    const QUOTA = 400_000; // bytes/s the "stream" takes
    const CONFIGURED = 2_000_000; // firehose.rate.bytesPerSecond: 5x the quota
    const count = LONG ? 1_500 : 300;
    const s = await newScenario('rate-quota', 2);
    const proxy = await startFaultProxy({ target: EMULATOR, faults: { seed: 11, quota: { bytesPerSecond: QUOTA } } });
    const consumer = startConsumer({
      scenario: s,
      format: 'ndjson',
      firehoseEndpoint: proxy.url,
      extra: {
        batch: { maxMessages: 10 },
        firehose: { rate: { recordsPerSecond: 0, bytesPerSecond: CONFIGURED, requestsPerSecond: 0 }, maxConcurrentRequests: 2 },
        rateLimit: { mode: 'quota', aimd: { factor: 0.5, floorBytesPerSecond: 50_000, increaseBytesPerSecond: 20_000, quietIntervalMs: 1_000, minCutIntervalMs: 1_000 } },
      },
    });
    try {
      const ids = await produceScans(s.topic, count, { partitions: 2, seed: 53, idPrefix: 'rq', sizes: new Array<number>(count).fill(20_000) });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= ids.length, 300_000, 1_000);
      const check = checkSets(ids, idsOf(read.messages));
      const st = proxy.stats();
      const ws = windows(st.timeline, 3_000);
      console.log(`      [scenario 3] quota ${kb(QUOTA)}, configured ${kb(CONFIGURED)}; per 3 s window: sent / accepted / throttled entries`);
      for (const w of ws) {
        console.log(`        t=${String(w.fromS).padStart(3)} s  sent ${kb(w.sentBytesPerS).padStart(10)}  accepted ${kb(w.acceptedBytesPerS).padStart(10)}  throttled ${w.throttled}/${w.sent}`);
      }
      const cuts = logged(consumer.logs, 'firehose throttling: bytes/s limit cut (AIMD)').map((c) => c.toBytesPerSecond as number);
      const pauses = logged(consumer.logs, 'rate pause: fetching paused').map((p) => p.pauseMs as number);
      const full = ws.slice(0, -1); // the last window is partial
      const steady = full.slice(Math.floor(full.length / 2));
      const steadySent = steady.reduce((n, w) => n + w.sentBytesPerS, 0) / Math.max(1, steady.length);
      const steadyAccepted = steady.reduce((n, w) => n + w.acceptedBytesPerS, 0) / Math.max(1, steady.length);
      const steadyThrottled = steady.reduce((n, w) => n + w.throttled, 0) / Math.max(1, steady.reduce((n, w) => n + w.sent, 0));
      const firstThrottled = ws[0].throttled / Math.max(1, ws[0].sent);
      console.log(
        `      [scenario 3] AIMD cuts to ${cuts.map(kb).join(', ')}; rate pauses ${pauses.length} (${pauses.join(', ')} ms); ` +
          `second half: sent ${kb(steadySent)}, accepted ${kb(steadyAccepted)}, throttled ${(steadyThrottled * 100).toFixed(1)} % (first window ${(firstThrottled * 100).toFixed(1)} %); ` +
          `entries forwarded other than once ${forwardedOnce(st)}; lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(cuts.length, 'AIMD cut the bytes/s limit').to.be.greaterThan(0);
      expect(steady.length, 'enough windows for a steady half').to.be.greaterThan(1);
      expect(steadySent, 'the sent rate converged under the quota (10 % slack)').to.be.at.most(QUOTA * 1.1);
      expect(steadyAccepted, 'and did not collapse to the floor').to.be.at.least(QUOTA * 0.4);
      expect(steadyThrottled, 'throttling became rare').to.be.at.most(0.15);
      expect(firstThrottled).to.be.greaterThan(steadyThrottled);
      expect(forwardedOnce(st), 'every entry reached moto exactly once').to.equal(0);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      dumpLogs('scenario-3', consumer.logs);
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });

  it('scenario 4: size-class preset at 75 msg/s on 65 KB messages — ±10 %, rate pauses back off 5 s, 7.5 s, …', async () => {
    // The broker caps a fetch at fetch.max.bytes (55 MiB, ~850 of these): the backlog
    // takes two fetch rounds (LONG: several). Within a round the limiter is behind and
    // the pauses escalate (5 s, 7.5 s); a pause that outlasts the round in hand idles
    // the consumer (the bucket banks 150 tokens, 2 s of it), and the first unit of the
    // next round passes at once and restarts the backoff at 5 s.
    const count = LONG ? 3_000 : 1_200;
    const partitions = 4;
    const s = await newScenario('rate-size', partitions);
    // The backlog is in Kafka before the consumer starts: its first fetch takes it all.
    const ids = await produceScans(s.topic, count, { partitions, seed: 61, idPrefix: 'rs', sizes: new Array<number>(count).fill(65_000) });
    const proxy = await startFaultProxy({ target: EMULATOR, faults: {} });
    const consumer = startConsumer({
      scenario: s,
      format: 'base64-gzip-lines',
      firehoseEndpoint: proxy.url,
      extra: {
        kafka: { consumer: { maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, partitionsConsumedConcurrently: partitions } },
        rateLimit: { mode: 'size-class' },
        log: { level: 'debug', format: 'json' }, // "unit started": when the limiter admitted each unit
      },
    });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= ids.length, 540_000, 1_000);
      const check = checkSets(ids, idsOf(read.messages));
      const st = proxy.stats();
      const rows = st.timeline.filter((r) => r.acceptedEntries > 0).sort((a, b) => a.atMs - b.atMs);
      console.log('      [scenario 4] configured 75 msg/s (65 KB: mixed class at the baseline); delivered per 2 s window:');
      for (const w of windows(rows, 2_000)) console.log(`        t=${String(w.fromS).padStart(3)} s  ${w.acceptedPerS.toFixed(1).padStart(6)} msg/s`);
      // Steady window: from 2 s after the first arrival (past the start-up burst of the
      // full bucket, 150) to the last. Rate = least-squares slope of the cumulative
      // count over arrival time: refills land once a second and encode time varies per
      // unit, so endpoints alone would be off by a chunk.
      const t0 = rows[0].atMs;
      const steadyRows = rows.filter((r) => r.atMs >= t0 + 2_000);
      const span = (steadyRows[steadyRows.length - 1].atMs - steadyRows[0].atMs) / 1000;
      const delivered = cumulativeSlope(steadyRows);
      // What the limiter admitted, from the consumer's own "unit started" lines (a split
      // unit's front starts when it is admitted): independent of encode and moto latency,
      // which on a loaded machine move arrivals by seconds.
      const starts = logged(consumer.logs, 'unit started').map((l) => ({ atMs: Date.parse(l.timestamp as string), acceptedEntries: l.messages as number }));
      // Steady window: past the start-up burst, while the first fetch round is in hand
      // (the next round is fetched only after every unit of this one is delivered, which
      // on a loaded machine leaves a gap that is the machine's, not the limiter's).
      const fetched = logged(consumer.logs, 'messages consumed').map((l) => Date.parse(l.timestamp as string));
      const secondRound = fetched.find((t) => t > fetched[0] + 1_000) ?? Number.POSITIVE_INFINITY;
      const admittedRows = starts.filter((r) => r.atMs >= starts[0].atMs + 2_000 && r.atMs < secondRound);
      const rate = cumulativeSlope(admittedRows);
      const admittedAll = cumulativeSlope(starts.filter((r) => r.atMs >= starts[0].atMs + 2_000));
      const inRoundS = (admittedRows[admittedRows.length - 1].atMs - admittedRows[0].atMs) / 1000;
      const pauses = logged(consumer.logs, 'rate pause: fetching paused').map((p) => ({ ms: p.pauseMs as number, step: p.step as number }));
      const resumes = logged(consumer.logs, 'rate pause over: fetching resumes').map((p) => p.pauseMs as number);
      const joins = logged(consumer.logs, 'consumer group joined').length;
      const overall = rows.reduce((n, r) => n + r.acceptedEntries, 0) / ((rows[rows.length - 1].atMs - t0) / 1000);
      console.log(
        `      [scenario 4] admitted ${rate.toFixed(1)} msg/s over ${inRoundS.toFixed(1)} s in the first fetch round (target 75 ± 10 %), ${admittedAll.toFixed(1)} msg/s over the whole run; delivered at Firehose ${delivered.toFixed(1)} msg/s over ${span.toFixed(1)} s, whole run ${overall.toFixed(1)} msg/s; ` +
          `rate pauses ${pauses.length}: ${pauses.map((p) => `${p.ms} ms (step ${p.step})`).join(', ')}; resumes ${resumes.length}; group joins ${joins}; ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(rate, 'admitted rate over the steady window').to.be.within(75 * 0.9, 75 * 1.1);
      expect(pauses.slice(0, 2).map((p) => p.ms), 'the backoff sequence from the log').to.deep.equal([5_000, 7_500]);
      for (let i = 1; i < pauses.length; i++) {
        const expected = pauses[i].step === 1 ? 5_000 : Math.min(60_000, pauses[i - 1].ms * 1.5);
        expect(pauses[i].ms, `pause ${i + 1}`).to.equal(expected);
      }
      expect(resumes.length, 'each pause ended (the last may still be in force)').to.be.at.least(pauses.length - 1);
      expect(joins, 'pausing caused no rebalance').to.equal(1);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      dumpLogs('scenario-4', consumer.logs);
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });
});
