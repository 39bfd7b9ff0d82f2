/**
 * Scenario 1 (finding F1): a Firehose outage pauses fetching (NETWORK); a
 * second consumer joins during it, so the rebalance aborts the units in flight
 * of the first one's revoked partitions. Since the pipelined consumer (issue
 * 12) the units of the partitions it keeps stay in flight across the rebalance
 * and their retried requests notice the end of the outage; when none stayed in
 * flight, no request would ever be sent to clear the outage flag, and kafkajs
 * keeps the pause across the rebalance: the first consumer's partitions would
 * stay paused forever while every probe is green. The idle probe (DescribeDeliveryStream every firehose.probe.idleIntervalMs,
 * 1 s here) lets one batch of one partition through while the pause holds; the
 * requests of that batch are the real probe (DescribeDeliveryStream answers
 * through the proxy's PutRecordBatch outage, so its answer alone lifted NETWORK
 * too early and fetching flapped): once the outage ends they are answered,
 * consumption resumes on its own and every id arrives.
 */
import { expect } from 'chai';
import { startFaultProxy } from '../support/fault-proxy';
import { checkSets, cleanupScenario, EMULATOR, expectDelivered, idsOf, killIfRunning, newScenario, produceScans, readScenario, startConsumer, stopCleanly, waitFor, type ConsumerProcess } from './support/harness';

const lineTime = (l: string): number | undefined => {
  if (!l.startsWith('{')) return undefined;
  const t = (JSON.parse(l) as { timestamp?: string }).timestamp;
  return t ? Date.parse(t) : undefined;
};

describe('integration: outage + rebalance (scenario 1, F1)', function () {
  this.timeout(300_000);

  it('outage, a consumer joins during it, outage ends → resumes on its own within one probe interval, 0 lost', async () => {
    const s = await newScenario('f1', 4);
    const proxy = await startFaultProxy({ target: EMULATOR });
    const settings = { scenario: s, format: 'ndjson' as const, firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 10 } } };
    const a = startConsumer(settings);
    let b: ConsumerProcess | undefined;
    try {
      const first = await produceScans(s.topic, 80, { partitions: 4, seed: 91, idPrefix: 'f1a' });
      await a.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= first.length, 60_000, 300);

      proxy.setFaults({ outage: { status: 500 } }); // InternalFailure on every PutRecordBatch until cleared
      const second = await produceScans(s.topic, 80, { partitions: 4, seed: 92, idPrefix: 'f1b' });
      await a.waitForLog(/"consumer paused".*"network"/, 60_000);
      b = startConsumer(settings);
      await b.waitForLog(/"consumer group joined"/, 60_000);
      // A's in-flight units are abandoned by the rebalance (drain deadline), then A rejoins, still paused.
      await waitFor(async () => a.logs.filter((l) => l.includes('"consumer group joined"')).length, (n) => n >= 2, 60_000, 300);
      await new Promise((r) => setTimeout(r, 3_000));
      const outageEnded = Date.now();
      proxy.setFaults({});

      const all = [...first, ...second];
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(all, idsOf(r.messages)).lost.length === 0, 90_000, 500);
      const check = checkSets(all, idsOf(read.messages));
      const resumedAt = (c: ConsumerProcess): number | undefined =>
        c.logs.filter((l) => l.includes('"consumer resumed"') && l.includes('"network"')).map(lineTime).find((t) => t !== undefined && t >= outageEnded - 1_000);
      const probes = (c: ConsumerProcess): number => c.logs.filter((l) => l.includes('"probe answered"') && l.includes('firehose-idle')).length;
      const ra = resumedAt(a);
      const pauses = (c: ConsumerProcess): number => c.logs.filter((l) => l.includes('"consumer paused"') && l.includes('"network"')).length;
      // The flap seen before: DescribeDeliveryStream answers through the proxy's PutRecordBatch outage, so lifting
      // NETWORK on it resumed fetching only for the next requests to fail. Now it only opens a trial fetch.
      const releasedDuringOutage = (c: ConsumerProcess): number =>
        c.logs.filter((l) => l.includes('"pause reason released"') && l.includes('"network"')).map(lineTime).filter((t) => t !== undefined && t < outageEnded).length;
      const trials = (c: ConsumerProcess): number => c.logs.filter((l) => l.includes('"probe fetch: ')).length;
      console.log(
        `      [F1 outage + join] A paused ${pauses(a)}x, B paused ${pauses(b)}x (network); released during the outage A ${releasedDuringOutage(a)}x, B ${releasedDuringOutage(b)}x; ` +
          `A resumed ${ra === undefined ? 'never' : `${((ra - outageEnded) / 1000).toFixed(1)} s`} after the outage ended; ` +
          `idle probes answered A ${probes(a)}, B ${probes(b)}; probe fetches A ${trials(a)}, B ${trials(b)}; lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expectDelivered(check, { allowDuplicates: true });
      expect(ra, 'the first consumer resumed on its own').to.not.equal(undefined);
      // Units of A's kept partitions still in flight after the rejoin retry and see the outage end themselves;
      // with none in flight, only the idle probe's trial batch can (F1).
      const keptRunning = a.logs
        .filter((l) => l.includes('"assignment applied') && lineTime(l) !== undefined && (lineTime(l) as number) < outageEnded)
        .map((l) => (JSON.parse(l) as { runningUnits?: number }).runningUnits ?? 0)
        .at(-1);
      console.log(`      [F1 outage + join] A's units still running after its last rejoin: ${keptRunning}`);
      if (keptRunning === 0) expect(trials(a), 'nothing in flight: the idle probe let one batch through to try Firehose').to.be.at.least(1);
      expect(releasedDuringOutage(a) + releasedDuringOutage(b), 'NETWORK is not lifted while PutRecordBatch still fails').to.equal(0);
      // One probe interval (1 s) plus the probe's own round trip and log timestamps' resolution.
      expect((ra as number) - outageEnded).to.be.below(4_000);
      await stopCleanly(b);
      await stopCleanly(a);
    } finally {
      killIfRunning(a);
      killIfRunning(b);
      await proxy.close();
      await cleanupScenario(s);
    }
  });
});
