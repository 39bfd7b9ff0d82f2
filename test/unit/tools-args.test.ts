import { expect } from 'chai';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { editDistance, parseTime } from '../../scripts/lib/cli';
import { parseOffsetsArgs } from '../../scripts/tools/offsets-args';
import { formatOffsetTable, offsetRows, resetPlan, type PartitionState } from '../../scripts/tools/offsets-plan';
import { Progress, progressText } from '../../scripts/tools/progress';
import { defaultReplayGroup, parseReplayArgs } from '../../scripts/tools/replay-args';
import { expectUsageError as usage } from '../support/usage-error';
import { count, decide, emptySummary, formatSummary, REPLAY_HEADERS, type DlqRecord } from '../../scripts/tools/replay-plan';

const NOW = Date.parse('2026-12-01T22:00:00Z');

describe('tools: time arguments', () => {
  const ok: Array<[string, number]> = [
    ['2026-12-01T20:00:00Z', Date.parse('2026-12-01T20:00:00Z')],
    ['2026-12-01T21:00:00+01:00', Date.parse('2026-12-01T20:00:00Z')],
    ['2026-12-01T20:00Z', Date.parse('2026-12-01T20:00:00Z')],
    ['2026-12-01T20:00:00.250Z', Date.parse('2026-12-01T20:00:00.250Z')],
    ['2026-12-01', Date.parse('2026-12-01T00:00:00Z')],
    ['1764619200000', 1_764_619_200_000],
    ['90s', NOW - 90_000],
    ['15m', NOW - 900_000],
    ['2h', NOW - 7_200_000],
    ['1.5h', NOW - 5_400_000],
    ['7d', NOW - 7 * 86_400_000],
  ];
  for (const [value, want] of ok) it(`reads ${value}`, () => expect(parseTime('--since', value, NOW)).to.equal(want));

  const bad: Array<[string, RegExp]> = [
    ['yesterday', /--since: bad time format "yesterday"; expected ISO 8601/],
    ['2026-12-01T20:00:00', /add a zone: Z or \+HH:MM/],
    ['2026-02-30', /bad time format/],
    ['2026-13-01T00:00:00Z', /bad time format/],
    ['15 m', /bad time format/],
    ['-2h', /bad time format/],
    ['', /bad time format/],
  ];
  for (const [value, pattern] of bad) it(`refuses "${value}"`, () => usage(() => parseTime('--since', value, NOW), pattern));
});

describe('tools: replay arguments', () => {
  it('has defaults: every reason, the source topic, group per DLQ', () => {
    const o = parseReplayArgs(['--dlq', 'scans.dlq'], NOW);
    expect(o).to.deep.include({ dlq: 'scans.dlq', to: undefined, sinceMs: undefined, untilMs: undefined, reasons: [], group: 'wsqc-replay.scans.dlq', dryRun: false, maxBatchBytes: 1_000_000 });
  });

  it('reads every option, as "--flag value" and "--flag=value"', () => {
    const o = parseReplayArgs(['--dlq=scans.dlq', '--to', 'scans.retry', '--since', '2h', '--until=2026-12-01T21:30:00Z', '--reason', 'INVALID_JSON,OVERSIZED', '--dry-run', '--config', 'c.json', '--group', 'g', '--max-batch-bytes', '500000'], NOW);
    expect(o).to.deep.include({ dlq: 'scans.dlq', to: 'scans.retry', sinceMs: NOW - 7_200_000, untilMs: Date.parse('2026-12-01T21:30:00Z'), group: 'g', dryRun: true, configFile: 'c.json', maxBatchBytes: 500_000 });
    expect(o.reasons).to.deep.equal(['INVALID_JSON', 'OVERSIZED']);
  });

  it('a filtered run gets its own default group, stable for the same filters in any order', () => {
    const a = parseReplayArgs(['--dlq', 'd', '--reason', 'OVERSIZED,INVALID_JSON'], NOW).group;
    expect(a).to.match(/^wsqc-replay\.d\.[0-9a-f]{8}$/);
    expect(parseReplayArgs(['--dlq', 'd', '--reason', 'INVALID_JSON,OVERSIZED'], NOW).group).to.equal(a);
    expect(defaultReplayGroup('d', { reasons: ['INVALID_JSON'] })).to.not.equal(a);
    expect(defaultReplayGroup('d', { reasons: [] })).to.equal('wsqc-replay.d');
  });

  it('--until is resolved to a time and never names the group: every cutoff of a selection shares its group (issue 13, defect 2)', () => {
    const at = (argv: string[], now: number) => parseReplayArgs(['--dlq', 'd', ...argv], now);
    const sixHours = at(['--until', '6h'], NOW);
    expect(sixHours.untilMs).to.equal(NOW - 21_600_000);
    for (const o of [at(['--until', '6h'], NOW + 3 * 3_600_000), at(['--until', '2026-12-01T16:00:00Z'], NOW + 3_600_000), at([], NOW)]) {
      expect(o.group).to.equal(sixHours.group);
    }
    expect(sixHours.group).to.equal('wsqc-replay.d');
    const json = at(['--reason', 'INVALID_JSON'], NOW).group;
    expect(at(['--reason', 'INVALID_JSON', '--until', '1h'], NOW).group).to.equal(json);
  });

  it('--since names the group as meant: an age by its length, a time by its instant', () => {
    const g = (since: string, now = NOW) => parseReplayArgs(['--dlq', 'd', '--since', since], now).group;
    expect(g('2h', NOW + 3_600_000), 'the same rolling window, an hour later').to.equal(g('2h'));
    expect(g('120m')).to.equal(g('2h'));
    expect(g('2026-12-01')).to.equal(g('2026-12-01T00:00:00Z'));
    expect(g('2026-12-01')).to.equal(g(String(Date.parse('2026-12-01T00:00:00Z'))));
    expect(new Set([g('2h'), g('3h'), g('2026-12-01T20:00:00Z'), 'wsqc-replay.d']).size).to.equal(4);
  });

  const bad: Array<[string[], RegExp]> = [
    [[], /--dlq TOPIC is required/],
    [['--dlq'], /--dlq needs a value/],
    [['--dlq', '--dry-run'], /--dlq needs a value/],
    [['--dlq', 'bad topic'], /not a legal Kafka topic name/],
    [['--dlq', 'd', '--to', 'd'], /must differ from --dlq/],
    [['--dlq', 'd', '--dryrun'], /unknown option --dryrun: did you mean --dry-run\?/],
    [['--dlq', 'd', '--reasons', 'X'], /unknown option --reasons: did you mean --reason\?/],
    [['--dlq', 'd', '--frobnicate'], /unknown option --frobnicate: see --help/],
    [['--dlq', 'd', 'extra'], /unexpected argument "extra"/],
    [['--dlq', 'd', '--dry-run=yes'], /--dry-run takes no value/],
    [['--dlq', 'd', '--since', 'last week'], /--since: bad time format/],
    [['--dlq', 'd', '--since', '1h', '--until', '2h'], /--until .* must be after --since/],
    [['--dlq', 'd', '--reason', 'invalid_json'], /not an error code/],
    [['--dlq', 'd', '--reason', ','], /expected one or more error codes/],
    [['--dlq', 'd', '--dlq', 'e'], /--dlq given twice/],
    [['--dlq', 'd', '--max-batch-bytes', '10'], /--max-batch-bytes: expected an integer from 1024/],
  ];
  for (const [argv, pattern] of bad) it(`refuses ${JSON.stringify(argv)}`, () => usage(() => parseReplayArgs(argv, NOW), pattern));

  it('--help needs nothing else', () => expect(parseReplayArgs(['--help'], NOW).help).to.equal(true));
  it('edit distance', () => expect([editDistance('', 'ab'), editDistance('--grup', '--group'), editDistance('kitten', 'sitting')]).to.deep.equal([2, 1, 3]));
});

describe('tools: offsets arguments', () => {
  const ok: Array<[string[], unknown]> = [
    [['--group', 'g', '--topic', 't', '--show'], { kind: 'show' }],
    [['--group', 'g', '--topic', 't', '--to-earliest'], { kind: 'earliest' }],
    [['--group', 'g', '--topic', 't', '--to-latest', '--dry-run'], { kind: 'latest' }],
    [['--group', 'g', '--topic', 't', '--to-timestamp', '2026-12-01T20:00:00Z'], { kind: 'timestamp', ms: Date.parse('2026-12-01T20:00:00Z') }],
  ];
  for (const [argv, action] of ok) it(`reads ${argv.slice(4).join(' ')}`, () => expect(parseOffsetsArgs(argv, NOW).action).to.deep.equal(action));

  const bad: Array<[string[], RegExp]> = [
    [['--topic', 't', '--show'], /--group ID is required/],
    [['--group', 'g', '--show'], /--topic TOPIC is required/],
    [['--group', 'g', '--topic', 't'], /exactly one of --show/],
    [['--group', 'g', '--topic', 't', '--show', '--to-latest'], /exactly one of --show/],
    [['--group', 'g', '--topic', 't', '--show', '--dry-run'], /--dry-run goes with a reset/],
    [['--group', 'g', '--topic', 't', '--to-timestamp', 'noon'], /--to-timestamp: bad time format/],
    [['--group', 'g', '--topic', 't', '--to-erliest'], /did you mean --to-earliest\?/],
    [['--group', '', '--topic', 't', '--show'], /--group: expected a consumer group id/],
  ];
  for (const [argv, pattern] of bad) it(`refuses ${JSON.stringify(argv)}`, () => usage(() => parseOffsetsArgs(argv, NOW), pattern));
});

describe('tools: offsets tables and plans', () => {
  const states: PartitionState[] = [
    { partition: 1, low: '0', high: '50', committed: '-1' },
    { partition: 0, low: '10', high: '100', committed: '40' },
    { partition: 2, low: '30', high: '30', committed: '5' },
  ];

  it('lag: from the commit, from the log start when there is none or it fell off, never negative', () => {
    expect(offsetRows(states).map((r) => [r.partition, r.lag])).to.deep.equal([[0, 60n], [1, 50n], [2, 0n]]);
    const table = formatOffsetTable('g', 't', offsetRows(states), 'Empty', 0);
    expect(table.split('\n')[0]).to.contain('state Empty, 0 live member(s), total lag 110');
    expect(table).to.match(/\n\s+1\s+-\s+0\s+50\s+50/);
  });

  it('reset targets per action', () => {
    expect(resetPlan(states, { kind: 'earliest' }).map((p) => [p.partition, p.from, p.to])).to.deep.equal([[0, '40', '10'], [1, '-', '0'], [2, '5', '30']]);
    expect(resetPlan(states, { kind: 'latest' }).map((p) => p.to)).to.deep.equal(['100', '50', '30']);
    expect(resetPlan(states, { kind: 'timestamp', ms: 1 }, new Map([[0, '70'], [1, '50'], [2, '30']])).map((p) => p.to)).to.deep.equal(['70', '50', '30']);
    expect(() => resetPlan(states, { kind: 'timestamp', ms: 1 }, new Map())).to.throw(/partition 0/);
  });
});

describe('tools: replay decisions', () => {
  const filter = { dlq: 'scans.dlq', reasons: [] as string[] };
  function rec(extra: Partial<DlqRecord> = {}, headers: Record<string, string> = {}): DlqRecord {
    return {
      partition: 0,
      offset: '7',
      timestamp: String(NOW - 1_000),
      key: Buffer.from('k'),
      value: Buffer.from('{"id":1}'),
      headers: {
        [DLQ_HEADERS.topic]: Buffer.from('scans'),
        [DLQ_HEADERS.partition]: Buffer.from('3'),
        [DLQ_HEADERS.offset]: Buffer.from('42'),
        [DLQ_HEADERS.timestamp]: Buffer.from('1'),
        [DLQ_HEADERS.errorClass]: Buffer.from('INVALID_JSON'),
        [DLQ_HEADERS.reason]: Buffer.from('Unexpected end'),
        [DLQ_HEADERS.attempts]: Buffer.from('1'),
        'trace-id': Buffer.from('abc'),
        ...headers,
      },
      ...extra,
    };
  }

  it('to the source topic, with key, value and original headers; our error headers become the replay trail', () => {
    const d = decide(rec(), filter, '2026-12-01T22:00:00.000Z');
    expect(d.kind).to.equal('replay');
    if (d.kind !== 'replay') return;
    expect(d.target).to.equal('scans');
    expect(d.message.key!.toString()).to.equal('k');
    expect(d.message.value!.toString()).to.equal('{"id":1}');
    expect(Object.keys(d.message.headers).sort()).to.deep.equal(['trace-id', REPLAY_HEADERS.at, REPLAY_HEADERS.errorClass, REPLAY_HEADERS.source, REPLAY_HEADERS.from].sort());
    expect(d.message.headers[REPLAY_HEADERS.from]).to.equal('scans.dlq/0/7');
    expect(d.message.headers[REPLAY_HEADERS.source]).to.equal('scans/3/42');
    expect(d.message.headers[REPLAY_HEADERS.errorClass]).to.equal('INVALID_JSON');
    expect(d.message.headers[REPLAY_HEADERS.at]).to.equal('2026-12-01T22:00:00.000Z');
  });

  it('a letter replayed before carries only the newest trail', () => {
    const d = decide(rec({}, { [REPLAY_HEADERS.from]: 'old/0/1' }), filter, 'now');
    expect(d.kind === 'replay' && d.message.headers[REPLAY_HEADERS.from]).to.equal('scans.dlq/0/7');
  });

  const table: Array<[string, Parameters<typeof decide>[1], Partial<DlqRecord>, Record<string, string>, string]> = [
    ['--to wins over the header', { ...filter, to: 'scans.retry' }, {}, {}, 'replay:scans.retry'],
    ['before --since', { ...filter, sinceMs: NOW }, {}, {}, 'skip:before-since'],
    ['at --since', { ...filter, sinceMs: NOW - 1_000 }, {}, {}, 'replay:scans'],
    ['at --until (exclusive): left for a later run', { ...filter, untilMs: NOW - 1_000 }, {}, {}, 'later'],
    ['before --until', { ...filter, untilMs: NOW }, {}, {}, 'replay:scans'],
    ['another --reason', { ...filter, reasons: ['OVERSIZED'] }, {}, {}, 'skip:other-reason'],
    ['one of the --reasons', { ...filter, reasons: ['OVERSIZED', 'INVALID_JSON'] }, {}, {}, 'replay:scans'],
    ['no source header, no --to', filter, {}, { [DLQ_HEADERS.topic]: '' }, 'error'],
    ['source is the DLQ itself', filter, {}, { [DLQ_HEADERS.topic]: 'scans.dlq' }, 'error'],
  ];
  for (const [name, f, extra, headers, want] of table) {
    it(name, () => {
      const d = decide(rec(extra, headers), f, 'now');
      expect(d.kind === 'replay' ? `replay:${d.target}` : d.kind === 'skip' ? `skip:${d.why}` : d.kind).to.equal(want);
    });
  }

  it('summary: read, replayed, skipped by filter, per target', () => {
    const s = emptySummary();
    count(s, decide(rec(), filter, 'now'));
    count(s, decide(rec(), { ...filter, to: 'other' }, 'now'));
    count(s, decide(rec(), { ...filter, reasons: ['OVERSIZED'] }, 'now'));
    expect(s).to.deep.include({ read: 3, replayed: 2, perTarget: { scans: 1, other: 1 } });
    const text = formatSummary(s, { dryRun: false, group: 'g', dlq: 'scans.dlq' });
    expect(text).to.contain('read 3 from scans.dlq, replayed 2, skipped by filter 1 (before --since 0, other --reason 1)');
    expect(text).to.contain('replayed to scans: 1');
    expect(text).to.not.contain('--until');
    s.left = 4;
    const until = formatSummary(s, { dryRun: false, group: 'g', dlq: 'scans.dlq', untilMs: NOW - 21_600_000 });
    expect(until).to.contain('left for a later run: 4 letter(s) written at or after 2026-12-01T16:00:00.000Z (--until), not committed');
    expect(until).to.contain('committed group g on scans.dlq written before 2026-12-01T16:00:00.000Z (--until)');
    expect(formatSummary(s, { dryRun: true, group: 'g', dlq: 'd' })).to.match(/^dry run: .*would replay 2[\s\S]*nothing committed/);
  });
});

describe('tools: progress line', () => {
  it('draws a bar', () => {
    expect(progressText(5, 20, 10, 'replayed 5')).to.equal('[###-------] 5/20 25% replayed 5');
    expect(progressText(0, 0, 4, '')).to.equal('[####] 0/0 100%');
  });

  it('redraws in place on a TTY, at most every 100 ms; plain lines every 5 s elsewhere', () => {
    let t = 0;
    const tty: string[] = [];
    const p = new Progress({ isTTY: true, write: (s) => tty.push(s) }, 10, () => t);
    p.update(1);
    t = 50;
    p.update(2);
    t = 150;
    p.update(3);
    p.finish(10);
    expect(tty.map((s) => s.replace('\r\x1b[2K', '<r>'))).to.deep.equal(['<r>[###---------------------------] 1/10 10%', '<r>[#########---------------------] 3/10 30%', '<r>[##############################] 10/10 100%', '\n']);
    const plain: string[] = [];
    t = 0;
    const q = new Progress({ isTTY: false, write: (s) => plain.push(s) }, 10, () => t);
    q.update(1);
    t = 4_000;
    q.update(2);
    t = 5_000;
    q.update(3);
    expect(plain).to.have.length(2);
    expect(plain.every((l) => l.endsWith('\n') && !l.includes('\r'))).to.equal(true);
  });
});
