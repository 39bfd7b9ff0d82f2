import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import type { CircuitView } from '../../src/health/firehose';
import { HealthState } from '../../src/health/state';
import { silentLogger } from '../../src/logging/types';
import { createMetrics } from '../../src/metrics/catalog';
import { createOperations, type Attached } from '../../src/operations';
import { FakeClock } from '../support/fakes';

const config = loadConfig({ argv: [], env: { KAFKA_TLS_ENABLED: 'false' }, configDir: mkdtempSync(path.join(os.tmpdir(), 'wsqc-cfg-')) });

/** The operations side of a consumer that has joined its group; the clients are attached by the test, as the service does during start(). */
function starting() {
  const clock = new FakeClock(0);
  const health = new HealthState(clock);
  const ops = createOperations({ config, clock, health, metrics: createMetrics(new Registry(), { defaultMetrics: false }), logger: silentLogger });
  health.joinedGroup();
  const calls = { metadata: 0, describe: 0 };
  const topics = [...config.kafka.topics, ...config.kafka.topics.map((t) => `${t}.dlq`)];
  const admin: NonNullable<Attached['admin']> = {
    fetchTopicMetadata: async () => {
      calls.metadata += 1;
      return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) };
    },
    fetchTopicOffsets: async () => [],
    fetchOffsets: async () => [],
  };
  const describeStream = async (): Promise<{ status: string }> => {
    calls.describe += 1;
    return { status: 'ACTIVE' };
  };
  ops.onAssignment({ [config.kafka.topics[0]]: [0] });
  const reasons = (group: Awaited<ReturnType<typeof ops.probes.group>>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(group.components).filter(([, c]) => c.status === 'DOWN').map(([n, c]) => [n, c.details.reason]));
  return { clock, ops, admin, describeStream, calls, reasons };
}

describe('readiness at start-up (issue 13, defect 6)', () => {
  it('a probe before the admin client exists does not delay readiness once everything is attached', async () => {
    const { clock, ops, admin, describeStream, calls, reasons } = starting();
    const first = await ops.probes.group('readiness');
    expect(first.status).to.equal('DOWN');
    expect(reasons(first)).to.deep.equal({
      kafkaTopicAccessibility: 'Kafka admin client not created yet (starting)',
      firehose: 'Firehose client not created yet (starting)',
    });
    await clock.advance(1_000);
    ops.attach({ describeStream });
    await clock.advance(1_000);
    expect(reasons(await ops.probes.group('readiness'))).to.deep.equal({ kafkaTopicAccessibility: 'Kafka admin client not created yet (starting)' });
    ops.attach({ admin, circuits: () => [], pause: () => ({ paused: false, reasons: [] }) });
    await clock.advance(1_000);
    const ready = await ops.probes.group('readiness');
    expect(reasons(ready), 'UP 3 s after start, not 30 s').to.deep.equal({});
    expect(ready.status).to.equal('UP');
    // the remote answers themselves are still cached: more probes within health.remoteCacheMs ask nothing again
    for (let i = 0; i < 5; i++) await ops.probes.group('readiness');
    expect(calls).to.deep.equal({ metadata: 1, describe: 1 });
  });

  it('the firehose indicator reads the circuit and the pause afresh: attached after the first describe, they count at once', async () => {
    const { clock, ops, admin, describeStream, calls, reasons } = starting();
    ops.attach({ admin, describeStream });
    expect((await ops.probes.group('readiness')).status).to.equal('UP');
    let circuit: CircuitView = { name: 'firehose', state: 'open', sinceMs: 0, reason: 'ResourceNotFoundException' };
    let paused: string[] = [];
    ops.attach({ circuits: () => [circuit], pause: () => ({ paused: paused.length > 0, reasons: paused.map((reason) => ({ reason, sinceMs: 0, heldMs: 0 })) }) });
    await clock.advance(1_000);
    expect(reasons(await ops.probes.group('readiness')).firehose).to.equal('circuit open: ResourceNotFoundException');
    circuit = { name: 'firehose', state: 'closed', sinceMs: 1_000 };
    paused = ['NETWORK'];
    await clock.advance(1_000);
    expect(reasons(await ops.probes.group('readiness')).firehose).to.match(/PutRecordBatch is failing: fetching paused \(NETWORK\)/);
    paused = [];
    await clock.advance(1_000);
    expect((await ops.probes.group('readiness')).status, 'UP as soon as the outage ends').to.equal('UP');
    expect(calls.describe, 'DescribeDeliveryStream still asked once per health.remoteCacheMs').to.equal(1);
    await clock.advance(config.health.remoteCacheMs);
    await ops.probes.group('readiness');
    expect(calls.describe).to.equal(2);
  });
});
