import { expect } from 'chai';
import { CoordinatorWatch, classifyKafkaFailure } from '../../src/flow/coordinator-watch';
import { FakeClock } from '../support/fakes';

/** A kafkajs protocol error as kafkajs builds it (KafkaJSProtocolError: name, type, code, retriable). */
const protocolError = (type: string, message = type) => Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });
const connectionError = () => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9093'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' });

describe('classifyKafkaFailure (the kafka circuit, coordinator lost)', () => {
  const table: [string, unknown, string][] = [
    ['NOT_COORDINATOR (kafkajs: NOT_COORDINATOR_FOR_GROUP)', protocolError('NOT_COORDINATOR_FOR_GROUP'), 'coordinator'],
    ['NOT_COORDINATOR (newer name)', protocolError('NOT_COORDINATOR'), 'coordinator'],
    ['COORDINATOR_NOT_AVAILABLE (kafkajs: GROUP_COORDINATOR_NOT_AVAILABLE)', protocolError('GROUP_COORDINATOR_NOT_AVAILABLE'), 'coordinator'],
    ['COORDINATOR_NOT_AVAILABLE (newer name)', protocolError('COORDINATOR_NOT_AVAILABLE'), 'coordinator'],
    ['a coordinator error inside a retry wrapper', Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: protocolError('NOT_COORDINATOR_FOR_GROUP') }), 'coordinator'],
    ['REBALANCE_IN_PROGRESS', protocolError('REBALANCE_IN_PROGRESS'), 'rebalance'],
    ['ILLEGAL_GENERATION', protocolError('ILLEGAL_GENERATION'), 'rebalance'],
    ['UNKNOWN_MEMBER_ID', protocolError('UNKNOWN_MEMBER_ID'), 'rebalance'],
    ['ECONNREFUSED (broker stopped)', connectionError(), 'transient'],
    ['a request timeout', Object.assign(new Error('Request OffsetCommit timed out'), { name: 'KafkaJSRequestTimeoutError' }), 'transient'],
    ['COORDINATOR_LOAD_IN_PROGRESS (broker starting)', protocolError('COORDINATOR_LOAD_IN_PROGRESS'), 'transient'],
    ['anything unrecognised', new Error('socket hang up'), 'transient'],
    ['not even an Error', 'boom', 'transient'],
  ];
  for (const [why, err, want] of table) {
    it(`${why} → ${want}`, () => expect(classifyKafkaFailure(err)).to.equal(want));
  }
});

describe('CoordinatorWatch', () => {
  function setup(lostAfterMs = 10_000) {
    const clock = new FakeClock();
    const log: string[] = [];
    const watch = new CoordinatorWatch({ clock, lostAfterMs, onLost: (r) => log.push(`lost@${clock.now()}: ${r}`), onBack: () => log.push(`back@${clock.now()}`) });
    return { clock, log, watch };
  }

  it('a coordinator error is lost at once; the next success is back', () => {
    const { log, watch } = setup();
    watch.joined();
    watch.failed('commit', protocolError('NOT_COORDINATOR_FOR_GROUP', 'This is not the correct coordinator for this group'));
    expect(watch.isLost).to.equal(true);
    watch.succeeded();
    expect(log).to.deep.equal(['lost@0: coordinator lost: commit answered NOT_COORDINATOR_FOR_GROUP: This is not the correct coordinator for this group', 'back@0']);
  });

  it('heartbeats every 3 s keep it quiet', async () => {
    const { clock, log, watch } = setup(4_000);
    watch.joined();
    for (let i = 0; i < 20; i++) {
      await clock.advance(3_000);
      watch.succeeded();
    }
    expect(log).to.deep.equal([]);
  });

  it('a member that sees no heartbeat or commit succeed for the bound has lost its coordinator (the broker stopped: no error reaches us at all)', async () => {
    const { clock, log, watch } = setup(4_000);
    watch.joined();
    await clock.advance(3_000);
    watch.succeeded(); // the last heartbeat before the broker stops
    await clock.advance(3_999);
    expect(log).to.deep.equal([]);
    await clock.advance(1);
    expect(log).to.deep.equal(['lost@7000: coordinator lost: no heartbeat or commit succeeded for 4000 ms']);
    await clock.advance(10_000);
    expect(log, 'lost once, not again every bound').to.have.length(1);
    watch.succeeded();
    expect(log.at(-1)).to.equal('back@17000');
  });

  it('names the last failure in the reason', async () => {
    const { clock, log, watch } = setup(4_000);
    watch.joined();
    await clock.advance(1_000);
    watch.failed('commit', connectionError());
    await clock.advance(3_000);
    expect(log).to.deep.equal(['lost@4000: coordinator lost: no heartbeat or commit succeeded for 4000 ms (last: commit failed: KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9093)']);
  });

  it('a connection error followed by a success within the bound is a blip, not a loss', async () => {
    const { clock, log, watch } = setup(4_000);
    watch.joined();
    watch.failed('heartbeat', connectionError());
    await clock.advance(2_000);
    watch.succeeded();
    await clock.advance(3_000);
    watch.succeeded();
    expect(log).to.deep.equal([]);
  });

  it('is not watched between REBALANCING and the next join (kafkajs sends no heartbeat while joining)', async () => {
    const { clock, log, watch } = setup(4_000);
    watch.joined();
    watch.leftGroup();
    await clock.advance(60_000);
    expect(log).to.deep.equal([]);
    expect(clock.pending).to.equal(0);
    watch.joined();
    await clock.advance(4_000);
    expect(log).to.have.length(1);
  });

  it('a rebalance answer is not a lost coordinator', () => {
    const { log, watch } = setup();
    watch.joined();
    watch.failed('heartbeat', protocolError('REBALANCE_IN_PROGRESS'));
    expect(log).to.deep.equal([]);
  });

  it('before the first join nothing is watched; stop() ends the watch', async () => {
    const { clock, log, watch } = setup(4_000);
    await clock.advance(60_000);
    watch.joined();
    watch.stop();
    await clock.advance(60_000);
    expect(log).to.deep.equal([]);
  });
});
