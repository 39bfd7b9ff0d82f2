import { expect } from 'chai';
import { PauseControl, type PauseChange } from '../../src/flow/pause-control';
import { PAUSE_REASONS, pauseReasonLabel } from '../../src/flow/pause-reasons';
import { FakeClock } from '../support/fakes';

describe('flow/pause-control PauseControl', () => {
  function setup() {
    const clock = new FakeClock(1_000);
    const control = new PauseControl(clock);
    const changes: PauseChange[] = [];
    control.onChange((c) => changes.push(c));
    return { clock, control, changes };
  }

  it('starts unpaused with no reasons', async () => {
    const { control } = setup();
    expect(control.paused).to.equal(false);
    expect(control.snapshot()).to.deep.equal({ paused: false, reasons: [] });
  });

  it('pauses on the first reason and resumes only when no reason holds', async () => {
    const { clock, control } = setup();
    control.hold('RATE_LIMIT');
    await clock.advance(500);
    control.hold('MANUAL');
    expect(control.snapshot()).to.deep.equal({
      paused: true,
      reasons: [
        { reason: 'RATE_LIMIT', sinceMs: 1_000 },
        { reason: 'MANUAL', sinceMs: 1_500 },
      ],
    });
    control.release('RATE_LIMIT');
    expect(control.paused, 'MANUAL still holds').to.equal(true);
    control.release('MANUAL');
    expect(control.paused).to.equal(false);
  });

  it('hold and release are idempotent: a second hold keeps the first start time, a stray release does nothing', async () => {
    const { clock, control, changes } = setup();
    expect(control.hold('NETWORK')).to.equal(true);
    await clock.advance(2_000);
    expect(control.hold('NETWORK')).to.equal(false);
    expect(control.snapshot().reasons).to.deep.equal([{ reason: 'NETWORK', sinceMs: 1_000 }]);
    expect(control.release('BUFFER_FULL')).to.equal(false);
    expect(control.release('NETWORK')).to.equal(true);
    expect(control.release('NETWORK')).to.equal(false);
    expect(changes.map((c) => c.kind)).to.deep.equal(['hold', 'release']);
  });

  it('reports each hold and release with its duration and whether fetching resumed', async () => {
    const { clock, control, changes } = setup();
    control.hold('IN_FLIGHT_CAP');
    control.hold('BUFFER_FULL');
    await clock.advance(7_500);
    control.release('IN_FLIGHT_CAP');
    await clock.advance(2_500);
    control.release('BUFFER_FULL');
    expect(changes).to.deep.equal([
      { kind: 'hold', reason: 'IN_FLIGHT_CAP', atMs: 1_000, wasPaused: false, holding: ['IN_FLIGHT_CAP'] },
      { kind: 'hold', reason: 'BUFFER_FULL', atMs: 1_000, wasPaused: true, holding: ['IN_FLIGHT_CAP', 'BUFFER_FULL'] },
      { kind: 'release', reason: 'IN_FLIGHT_CAP', atMs: 8_500, heldMs: 7_500, resumed: false, holding: ['BUFFER_FULL'] },
      { kind: 'release', reason: 'BUFFER_FULL', atMs: 11_000, heldMs: 10_000, resumed: true, holding: [] },
    ]);
  });

  it('set(reason, on) holds or releases', async () => {
    const { control } = setup();
    control.set('DOWNSTREAM_ERROR', true);
    expect(control.isHeld('DOWNSTREAM_ERROR')).to.equal(true);
    control.set('DOWNSTREAM_ERROR', false);
    expect(control.paused).to.equal(false);
  });

  it('refuses an unknown reason with a clear error', async () => {
    const { control } = setup();
    expect(() => control.hold('outage' as never)).to.throw(RangeError, /unknown pause reason 'outage'/);
  });

  it('labels every reason as the metrics catalog spells it', async () => {
    expect(PAUSE_REASONS.map(pauseReasonLabel)).to.deep.equal(['rate_limit', 'buffer_full', 'network', 'downstream_error', 'in_flight_cap', 'manual']);
  });
});
