import { expect } from 'chai';
import { FakeClock } from '../support/fakes';

describe('test/support FakeClock', () => {
  it('wakes sleepers in due-time order, with now() at each due time', async () => {
    const clock = new FakeClock(1_000);
    const woke: Array<[string, number]> = [];
    void clock.sleep(300).then(() => woke.push(['c', clock.now()]));
    void clock.sleep(100).then(() => woke.push(['a', clock.now()]));
    void clock.sleep(100).then(() => woke.push(['b', clock.now()]));
    await clock.advance(250);
    expect(woke).to.deep.equal([
      ['a', 1_100],
      ['b', 1_100],
    ]);
    expect(clock.now()).to.equal(1_250);
    await clock.advance(50);
    expect(woke.at(-1)).to.deep.equal(['c', 1_300]);
  });

  it('wakes, within one advance, sleeps started by woken code', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(1_000);
    await done;
    expect(times).to.deep.equal([100, 200, 300]);
  });

  it('rejects a sleep with the abort reason and forgets it', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleep = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop'));
    let caught: unknown;
    await sleep.catch((e: unknown) => (caught = e));
    expect((caught as Error).message).to.equal('stop');
    expect(clock.pending).to.equal(0);
  });

  it('run() advances until the promise settles and detects deadlocks', async () => {
    const clock = new FakeClock();
    expect(await clock.run(clock.sleep(5_000).then(() => clock.now()))).to.equal(5_000);
    let caught: unknown;
    await clock.run(new Promise(() => undefined)).catch((e: unknown) => (caught = e));
    expect((caught as Error).message).to.match(/deadlock/);
  });
});
