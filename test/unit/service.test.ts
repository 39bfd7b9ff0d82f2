/**
 * The composition root built whole from fake ports (issue 15): a fake broker
 * (admin, consumer, producer), a fake Firehose that acknowledges every record,
 * and the real pure encoder in-thread. Checks that what createService builds and
 * connects works together: start, a delivered and committed unit, an operator's
 * pause through the admin API, and a clean stop.
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config';
import type { ClosableFirehosePort } from '../../src/firehose/client';
import { createService } from '../../src/service';
import type { ServicePorts } from '../../src/ports';
import type { ConfiguredPool } from '../../src/pool';
import { silentLogger } from '../../src/logging/types';
import { FakeConsumer } from '../support/fake-consumer';
import { InlinePool, jsonMessages } from '../support/kafka-fakes';

class FakeFirehose implements ClosableFirehosePort {
  records: string[] = [];
  closed = false;
  async putRecordBatch(_stream: string, records: readonly Uint8Array[]) {
    for (const r of records) this.records.push(Buffer.from(r).toString('utf8'));
    return { failedPutCount: 0, responses: records.map((_, i) => ({ recordId: `r${i}` })) };
  }
  async checkStream() {
    return { status: 'ACTIVE' };
  }
  close(): void {
    this.closed = true;
  }
}

function fakePorts(consumer: FakeConsumer, firehose: FakeFirehose) {
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => ['scans', 'scans.dlq'],
    fetchTopicMetadata: async () => ({ topics: [{ name: 'scans', partitions: [{ partitionId: 0, leader: 1 }] }] }),
    fetchTopicOffsets: async () => [{ partition: 0, offset: '3', high: '3', low: '0' }],
    fetchOffsets: async () => [{ topic: 'scans', partitions: [{ partition: 0, offset: '3' }] }],
    describeConfigs: async () => ({ resources: [] }),
  };
  let producerClosed = false;
  const pool = new InlinePool();
  let poolClosed = false;
  const ports: ServicePorts = {
    kafka: () =>
      ({
        admin: () => admin,
        consumer: () => consumer.port,
        producer: () => ({ connect: async () => undefined, disconnect: async () => void (producerClosed = true), send: async () => [] }),
      }) as unknown as ReturnType<ServicePorts['kafka']>,
    firehose: () => firehose,
    pool: () =>
      Object.assign(pool, {
        stats: () => ({ threads: 1, queueSize: 0, inFlight: 0, completed: pool.calls.length, utilization: 0, threadsStarted: 1 }),
        close: async () => void (poolClosed = true),
      }) as unknown as ConfiguredPool,
  };
  return { ports, closed: () => ({ producer: producerClosed, pool: poolClosed, firehose: firehose.closed, consumer: consumer.disconnected }) };
}

const waitUntil = async (cond: () => boolean, what: string, ms = 2_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('service: the composition root from fake ports', () => {
  it('starts, delivers and commits a unit, takes an operator pause, and stops cleanly', async () => {
    const token = 'a-test-token-of-24-chars';
    const config = loadConfig({
      argv: [],
      env: {
        KAFKA_TOPICS: 'scans',
        KAFKA_TLS_ENABLED: 'false',
        FIREHOSE_STREAM_NAME: 'scans-stream',
        PIPELINE_FORMAT: 'ndjson',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
        HTTP_ADMIN_TOKEN: token,
        LOG_LEVEL: 'error',
      },
    });
    const consumer = new FakeConsumer();
    const firehose = new FakeFirehose();
    const { ports, closed } = fakePorts(consumer, firehose);
    const service = createService(config, { logger: silentLogger, version: 'test', ports });

    await service.start();
    expect(consumer.runConfig).to.include({ autoCommit: false, eachBatchAutoResolve: false });
    consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });

    await consumer.deliver('scans', 0, jsonMessages(0, 3));
    await waitUntil(() => consumer.commits.length > 0, 'the commit');
    expect(firehose.records.map((r) => JSON.parse(r) as { id: string }).map((m) => m.id)).to.deep.equal(['m-0', 'm-1', 'm-2']);
    expect(consumer.commits).to.deep.equal([{ topic: 'scans', partition: 0, offset: '3' }]);

    const url = `http://127.0.0.1:${service.adminPort}`;
    const paused = await fetch(`${url}/admin/pause`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(paused.status, "accepted").to.equal(202);
    expect(consumer.calls.at(-1)).to.equal('pause scans');
    const ready = (await (await fetch(`${url}/actuator/health`)).json()) as { components: Record<string, unknown> };
    expect(ready.components).to.have.property('firehose');

    await service.stop();
    expect(await service.done).to.deep.equal({ reason: 'stopped' });
    expect(closed()).to.deep.equal({ producer: true, pool: true, firehose: true, consumer: true });
    const after = await fetch(`${url}/healthz/live`).then(
      () => 'answered',
      () => 'closed',
    );
    expect(after, 'the admin API closes last').to.equal('closed');
  });
});
