/**
 * Scenario 8 (issue 6, tools): poison messages are dead-lettered; the operator
 * switches validation off and replays them with `npm run replay`; they are
 * re-published to their source topic and delivered — every id exactly once in
 * S3 — and a second replay run replays 0. A first replay with an --until
 * before every letter replays none and commits nothing, so the run with a
 * later cutoff, in the same group, replays them all (issue 13, defect 2: the
 * first used to commit past them). Along the way, `npm run offsets`:
 * --show, a reset refused while the group has a live member, and a reset to
 * earliest once the group is empty. The tools run as child processes with the
 * service's config file over mTLS, as an operator runs them.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateScan } from '../../src/generator/wifi-scan';
import {
  ROOT,
  checkSets,
  cleanupScenario,
  devPasswords,
  expectDelivered,
  idsOf,
  killIfRunning,
  newScenario,
  offsetsOf,
  readDlq,
  readScenario,
  sslKafka,
  startConsumer,
  stopCleanly,
  waitFor,
  writeConsumerConfig,
  type Scenario,
} from './support/harness';

const GOOD = 24;
const POISON = 6;

/** Valid JSON nested deeper than pipeline.maxJsonDepth (64): refused by validation, fine without it. */
function tooDeep(id: string): Buffer {
  return Buffer.from(`{"id":"${id}","n":${'['.repeat(100)}1${']'.repeat(100)}}`);
}

function tool(script: 'replay' | 'offsets', args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [path.join(ROOT, `dist/scripts/${script}.js`), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...devPasswords(), NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function deliveredIds(s: Scenario, atLeast: number): Promise<string[]> {
  const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= atLeast, 60_000, 500);
  return idsOf(read.messages);
}

describe('integration: replay and offsets tools (scenario 8)', function () {
  this.timeout(300_000);

  it('dead letters replayed after validation is switched off are delivered once each; a second run replays 0; offsets shows, refuses and resets', async () => {
    const s = await newScenario('replay', 2);
    const good: string[] = [];
    const poison: string[] = [];
    const producer = sslKafka().producer();
    await producer.connect();
    try {
      const messages = [];
      for (let i = 0; i < GOOD; i++) {
        good.push(`ok-${i}`);
        messages.push({ key: `ok-${i}`, partition: i % 2, value: generateScan({ seed: i, targetBytes: 20_000, id: `ok-${i}` }), headers: { 'trace-id': `t-${i}` } });
        if (i % 4 === 1) {
          poison.push(`deep-${i}`);
          messages.push({ key: `deep-${i}`, partition: i % 2, value: tooDeep(`deep-${i}`), headers: { 'trace-id': `t-deep-${i}` } });
        }
      }
      expect(poison).to.have.length(POISON);
      for (let i = 0; i < messages.length; i += 8) await producer.send({ topic: s.topic, acks: -1, messages: messages.slice(i, i + 8) });
    } finally {
      await producer.disconnect();
    }
    const config = writeConsumerConfig({ scenario: s });
    const t0 = Date.now();
    const phases: string[] = [];
    const mark = (name: string): void => void phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // 1. Validation on: the deep ones are dead-lettered, the rest delivered.
    let consumer = startConsumer({ scenario: s });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      const first = checkSets(good, await deliveredIds(s, GOOD));
      expectDelivered(first);
      const dlq = await readDlq(s.dlq, POISON, 60_000);
      expect(dlq).to.have.length(POISON);
      expect(dlq.every((d) => d.headers['wsqc.error.class'] === 'INVALID_JSON' && d.headers['trace-id']?.startsWith('t-deep-'))).to.equal(true);
      await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 30_000);

      // offsets --show, and a reset refused while the consumer is a live member
      const show = await tool('offsets', ['--config', config, '--group', s.group, '--topic', s.topic, '--show']);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.match(/1 live member\(s\), total lag 0/);
      const refused = await tool('offsets', ['--config', config, '--group', s.group, '--topic', s.topic, '--to-earliest']);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/GROUP_HAS_LIVE_MEMBERS: consumer group \S+ has 1 live member/);
      mark('offsets refused');
      await stopCleanly(consumer);
      mark('first consumer stopped');
    } finally {
      killIfRunning(consumer);
    }

    // 2. Replay: a dry run changes nothing; a run with a cutoff before every letter replays none
    //    and commits nothing (issue 13, defect 2: it used to commit past them); a run with a
    //    later cutoff re-publishes them to the source topic; the same group again (no --until) replays 0.
    const dry = await tool('replay', ['--config', config, '--dlq', s.dlq, '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain(`dry run: read ${POISON} from ${s.dlq}, would replay ${POISON}, skipped by filter 0`);
    const early = new Date(t0).toISOString(); // before the consumer started: every letter is younger
    const notYet = await tool('replay', ['--config', config, '--dlq', s.dlq, '--until', early]);
    expect(notYet.code, notYet.stderr).to.equal(0);
    expect(notYet.stdout).to.contain(`read 0 from ${s.dlq}, replayed 0`);
    expect(notYet.stdout).to.contain(`left for a later run: ${POISON} letter(s) written at or after ${early} (--until), not committed`);
    const cutoff = new Date().toISOString(); // the DLQ held every letter before this
    const started = Date.now();
    const run = await tool('replay', ['--config', config, '--dlq', s.dlq, '--until', cutoff]);
    const replaySeconds = (Date.now() - started) / 1000;
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(`${POISON} letter(s) after the group's committed offsets; replaying those written before ${cutoff} (--until)`);
    expect(run.stdout).to.contain(`read ${POISON} from ${s.dlq}, replayed ${POISON}, skipped by filter 0`);
    expect(run.stdout).to.contain(`replayed to ${s.topic}: ${POISON}`);
    expect(run.stderr).to.match(/\[#+\] 6\/6 100%/); // the progress line (plain, not a TTY here)
    const again = await tool('replay', ['--config', config, '--dlq', s.dlq]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.contain(`replay ${s.dlq} with group wsqc-replay.${s.dlq}: 0 letter(s) after the group`);
    expect(again.stdout).to.contain('replayed 0');
    const missing = await tool('replay', ['--config', config, '--dlq', `${s.dlq}.nope`]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.match(new RegExp(`^replay: TOPIC_MISSING: dead-letter topic '${s.dlq}\\.nope' does not exist \\(similar: .*${s.dlq}`));
    const typo = await tool('replay', ['--config', config, '--dlq', s.dlq, '--dryrun']);
    expect([typo.code, typo.stderr.trim()]).to.deep.equal([2, 'replay: USAGE: unknown option --dryrun: did you mean --dry-run? (npm run replay -- --help)']);
    mark('replays done');

    // 3. Validation off, same group: only the replayed messages are new; each id once in S3.
    consumer = startConsumer({ scenario: s, extra: { pipeline: { validateJson: false } } });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      const all = checkSets([...good, ...poison], await deliveredIds(s, GOOD + POISON));
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 30_000);
      mark('replayed delivered');
      console.log(
        `      [replay] dead-lettered ${POISON}; dry run would replay ${POISON}; --until before them replayed 0 and left ${POISON}; ` +
          `a later --until replayed ${POISON} in ${replaySeconds.toFixed(1)} s; the same group again replayed 0; ` +
          `delivered ${all.delivered}/${all.expected} (lost ${all.lost.length}, duplicated ${all.duplicated.length}, unexpected ${all.unexpected.length})`,
      );
      expectDelivered(all);
      expect(offsets.reduce((n, o) => n + Number(o.end), 0)).to.equal(GOOD + 2 * POISON); // originals + replayed copies
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
    }

    // 4. The group is empty now: a dry-run reset changes nothing, a reset to earliest moves every partition to 0.
    try {
      const plan = await tool('offsets', ['--config', config, '--group', s.group, '--topic', s.topic, '--to-earliest', '--dry-run']);
      expect(plan.code, plan.stderr).to.equal(0);
      expect(plan.stdout).to.match(/dry run: would reset[\s\S]*partition 0: \d+ -> 0[\s\S]*nothing changed/);
      expect((await offsetsOf(s.group, s.topic)).every((o) => o.committed === o.end)).to.equal(true);
      const reset = await tool('offsets', ['--config', config, '--group', s.group, '--topic', s.topic, '--to-earliest']);
      expect(reset.code, reset.stderr).to.equal(0);
      expect((await offsetsOf(s.group, s.topic)).map((o) => o.committed)).to.deep.equal(['0', '0']);
      expect(reset.stdout).to.match(/total lag 36/);
      mark('reset');
      console.log(`      [replay] at: ${phases.join(', ')}`);
    } finally {
      await cleanupScenario(s);
    }
  });
});
