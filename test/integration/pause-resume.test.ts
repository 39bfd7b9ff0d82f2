/**
 * Pause control on the real broker: POST /admin/pause (reason MANUAL) taken
 * before a fresh group has even joined holds fetching (the pause is re-applied
 * on GROUP_JOIN, finding F8); nothing is delivered while paused; POST
 * /admin/resume lifts it and every id arrives. kafkajs has had bugs around
 * resume after pause on a new group, hence the real broker.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { checkSets, cleanupScenario, expectDelivered, idsOf, killIfRunning, newScenario, offsetsOf, produceScans, readScenario, startConsumer, stopCleanly, waitFor } from './support/harness';

describe('integration: admin pause and resume (pause control, MANUAL)', function () {
  this.timeout(180_000);

  it('a pause taken before the group joins holds; resume delivers every id', async () => {
    const s = await newScenario('pause', 2);
    // A token made for this run: the mutating admin routes are disabled (403) without one.
    const token = randomBytes(24).toString('hex');
    const auth = { Authorization: `Bearer ${token}` };
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra: { http: { enabled: true, host: '127.0.0.1', port: 0 } }, env: { HTTP_ADMIN_TOKEN: token } });
    try {
      const listening = await consumer.waitForLog(/"admin API listening"/, 60_000);
      const base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
      const anonymous = await fetch(`${base}/admin/pause`, { method: 'POST' });
      expect(anonymous.status, 'no token').to.equal(401);
      const paused = await fetch(`${base}/admin/pause`, { method: 'POST', headers: auth });
      expect(paused.status).to.equal(202);
      const ids = await produceScans(s.topic, 80, { partitions: 2, seed: 81, idPrefix: 'pr' });
      await consumer.waitForLog(/"pause re-applied to the new assignment"/, 60_000);
      // Several fetch cycles (maxWaitTimeMs 100) while paused: nothing may move.
      await new Promise((r) => setTimeout(r, 6_000));
      const whilePaused = await readScenario(s, 'ndjson');
      const committedWhilePaused = (await offsetsOf(s.group, s.topic)).reduce((n, o) => n + Math.max(0, Number(o.committed)), 0);
      const status = (await (await fetch(`${base}/admin/status`)).json()) as { paused: boolean };
      expect(whilePaused.messages.length, 'delivered while paused').to.equal(0);
      expect(committedWhilePaused, 'committed while paused').to.equal(0);
      expect(status.paused).to.equal(true);

      const resumed = await fetch(`${base}/admin/resume`, { method: 'POST', headers: auth });
      expect(resumed.status).to.equal(202);
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= ids.length, 60_000, 500);
      const check = checkSets(ids, idsOf(read.messages));
      const pauseLines = consumer.logs.filter((l) => l.includes('"consumer paused"') && l.includes('"manual"')).length;
      const resumeLine = consumer.logs.find((l) => l.includes('"consumer resumed"') && l.includes('"manual"'));
      console.log(
        `      [admin pause/resume] delivered while paused ${whilePaused.messages.length}; manual pauses ${pauseLines}; ` +
          `resumed after ${resumeLine ? (JSON.parse(resumeLine) as { seconds: number }).seconds.toFixed(1) : '?'} s; ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(resumeLine, 'one resume line with the reason and duration').to.not.equal(undefined);
      const audit = consumer.logs.filter((l) => l.includes('"admin call"'));
      expect(audit.map((l) => (JSON.parse(l) as { outcome: string }).outcome)).to.deep.equal(['unauthorized', 'accepted', 'accepted']);
      expect(consumer.logs.join('\n')).not.to.include(token);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
