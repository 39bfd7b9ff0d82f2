/**
 * scripts/lib/cli.ts, the command-line grammar of every script: the strict
 * parse and its messages, the nearest-flag hint, the usage text, each
 * conversion's error, and readCommandLine's exit codes.
 */
import { expect } from 'chai';
import {
  integer,
  list,
  listOf,
  matching,
  nearestFlag,
  oneOf,
  parseFlags,
  pointInTime,
  readCommandLine,
  real,
  someOf,
  topicName,
  groupName,
  usageError,
  usageText,
  type Convert,
  type Flags,
} from '../../scripts/lib/cli';
import { expectUsageError as usage } from '../support/usage-error';

const FLAGS = {
  variants: { type: 'string', arg: 'A,B', help: 'which variants' },
  'dry-run': { type: 'boolean', help: 'change nothing' },
  size: { type: 'string', arg: 'MB', help: 'how much\nsecond line' },
} as const satisfies Flags;

describe('scripts/lib/cli: parsing', () => {
  it('reads --flag value, --flag=value, switches and -h; absent flags are undefined', () => {
    const a = parseFlags(['--variants', 'x,y', '--size=5', '--dry-run'], FLAGS);
    expect([a.text('variants'), a.text('size'), a.flag('dry-run'), a.help]).to.deep.equal(['x,y', '5', true, false]);
    const b = parseFlags(['-h'], FLAGS);
    expect([b.text('variants'), b.flag('dry-run'), b.help]).to.deep.equal([undefined, false, true]);
    expect(parseFlags(['--help'], FLAGS).help).to.equal(true);
  });

  it('converts on demand, naming the flag in the error', () => {
    const a = parseFlags(['--size', '12'], FLAGS);
    expect(a.value('size', integer(1))).to.equal(12);
    expect(a.value('variants', list)).to.equal(undefined);
    usage(() => parseFlags(['--size', 'big'], FLAGS).value('size', integer(1)), /^--size: expected an integer >= 1, got "big"$/);
  });

  it('the last of a repeated value counts, unless the rules say once', () => {
    expect(parseFlags(['--size', '1', '--size', '2'], FLAGS).text('size')).to.equal('2');
    usage(() => parseFlags(['--size', '1', '--size=2'], FLAGS, { once: true }), /^--size given twice$/);
    expect(parseFlags(['--dry-run', '--dry-run'], FLAGS, { once: true }).flag('dry-run')).to.equal(true);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--varaints', 'a'], /^unknown option --varaints: did you mean --variants\?$/],
    [['--dryrun'], /^unknown option --dryrun: did you mean --dry-run\?$/],
    [['--sise', '3'], /^unknown option --sise: did you mean --size\?$/],
    [['--hlep'], /^unknown option --hlep: did you mean --help\?$/],
    [['--frobnicate'], /^unknown option --frobnicate: see --help$/],
    [['-x'], /^unknown option -x: see --help$/],
    [['extra'], /^unexpected argument "extra": options start with --$/],
    [['--', 'extra'], /^unexpected argument "extra"/],
    [['--dry-run=yes'], /^--dry-run takes no value$/],
    [['--size'], /^--size needs a value$/],
    [['--size', '--dry-run'], /^--size needs a value$/],
    [['--size', '-1'], /^--size needs a value; to give "-1", write --size=-1$/],
  ];
  for (const [argv, pattern] of bad) it(`refuses ${JSON.stringify(argv)}`, () => usage(() => parseFlags(argv, FLAGS), pattern));

  it('a value that starts with - is taken as --flag=-value', () => {
    expect(parseFlags(['--size=-1'], FLAGS).text('size')).to.equal('-1');
  });
});

describe('scripts/lib/cli: nearest flag', () => {
  const known = ['--variants', '--dry-run', '--size', '--since', '--help'];
  const table: Array<[string, string | undefined]> = [
    ['--varaints', '--variants'],
    ['--variant', '--variants'],
    ['--dryrun', '--dry-run'],
    ['--dry_run', '--dry-run'],
    ['--sinse', '--since'],
    ['--helpp', '--help'],
    ['--zzzzzz', undefined],
    ['--variantsxyzzy', '--variants'], // 5 edits, a third of its length
    ['--verbose', undefined],
    ['--vars', undefined],
  ];
  for (const [typo, want] of table) it(`${typo} → ${want ?? 'none'}`, () => expect(nearestFlag(typo, known)).to.equal(want));
});

describe('scripts/lib/cli: conversions', () => {
  const ok: Array<[string, Convert<unknown>, string, unknown]> = [
    ['integer in range', integer(1, 10), '10', 10],
    ['integer, no upper bound', integer(0), '0', 0],
    ['real', real(0.1), '0.5', 0.5],
    ['list, trimmed, empties dropped', list, ' a, b ,,c', ['a', 'b', 'c']],
    ['list of integers', listOf(integer(1)), '1,2', [1, 2]],
    ['one of', oneOf(['moto', 'fast'] as const), 'fast', 'fast'],
    ['some of, in the choices order', someOf(['a', 'b', 'c'] as const), 'c,a', ['a', 'c']],
    ['some of, normalised', someOf(['a', 'b'] as const, (s) => s.toLowerCase()), 'B', ['b']],
    ['matching', matching(/^\w+:\d+$/, 'host:port'), 'h:1', 'h:1'],
    ['topic', topicName, 'scans.dlq', 'scans.dlq'],
    ['group', groupName, 'g-1', 'g-1'],
    ['time: an age before now', pointInTime(10_000_000), '15m', 10_000_000 - 900_000],
    ['time: an instant', pointInTime(0), '2026-12-01T20:00:00Z', Date.parse('2026-12-01T20:00:00Z')],
  ];
  for (const [name, convert, value, want] of ok) it(`${name}: "${value}"`, () => expect(convert('--f', value)).to.deep.equal(want));

  const bad: Array<[string, Convert<unknown>, string, RegExp]> = [
    ['integer below', integer(1, 10), '0', /^--f: expected an integer from 1 to 10, got "0"$/],
    ['integer above', integer(1, 10), '11', /^--f: expected an integer from 1 to 10, got "11"$/],
    ['integer, a fraction', integer(0), '1.5', /^--f: expected an integer >= 0, got "1.5"$/],
    ['integer, empty', integer(0), ' ', /^--f: expected an integer >= 0, got " "$/],
    ['real, not a number', real(0), 'fast', /^--f: expected a number >= 0, got "fast"$/],
    ['real below', real(1), '0.5', /^--f: expected a number >= 1, got "0.5"$/],
    ['real above', real(1, 2), '3', /^--f: expected a number from 1 to 2, got "3"$/],
    ['list, empty', list, ' , ', /^--f: expected one or more comma-separated values, got " , "$/],
    ['list of, named items', listOf(integer(1), 'sizes'), ',', /^--f: expected one or more sizes, got ","$/],
    ['list of, a bad item', listOf(integer(1)), '1,x', /^--f: expected an integer >= 1, got "x"$/],
    ['one of', oneOf(['realistic', 'hard', 'odd'] as const), 'random', /^--f: expected realistic, hard or odd, got "random"$/],
    ['some of', someOf(['a', 'b'] as const), 'a,z,y', /^--f: expected a list of a,b; unknown: z,y$/],
    ['matching', matching(/^\w+:\d+$/, 'host:port'), 'localhost', /^--f: "localhost" is not host:port$/],
    ['topic, a space', topicName, 'bad topic', /^--f: "bad topic" is not a legal Kafka topic name$/],
    ['topic, ..', topicName, '..', /is not a legal Kafka topic name/],
    ['topic, 250 characters', topicName, 'x'.repeat(250), /is not a legal Kafka topic name/],
    ['group, empty', groupName, '', /^--f: expected a consumer group id of 1 to 255 characters$/],
    ['time, no zone', pointInTime(0), '2026-12-01T20:00:00', /^--f: bad time format .*add a zone/],
    ['time, words', pointInTime(0), 'yesterday', /^--f: bad time format "yesterday"/],
  ];
  for (const [name, convert, value, pattern] of bad) it(`${name}: refuses "${value}"`, () => usage(() => convert('--f', value), pattern));
});

describe('scripts/lib/cli: usage text and readCommandLine', () => {
  it('lists every flag with its placeholder, help aligned in one column, and -h, --help', () => {
    expect(usageText('tool [options]', FLAGS, 'Does a thing.').split('\n')).to.deep.equal([
      'usage: tool [options]',
      'Does a thing.',
      '  --variants A,B  which variants',
      '  --dry-run       change nothing',
      '  --size MB       how much',
      '                  second line',
      '  -h, --help      this text',
    ]);
  });

  function capture(): { out: string[]; err: string[]; io: { out: (t: string) => void; err: (t: string) => void } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t) => void out.push(t), err: (t) => void err.push(t) } };
  }

  it('returns the options; --help: the usage on stdout and 0; a usage error: the message and usage on stderr and 2', () => {
    const run = capture();
    expect(readCommandLine('USAGE', () => ({ help: false, n: 1 }), run.io)).to.deep.equal({ help: false, n: 1 });
    expect(readCommandLine('USAGE', () => ({ help: true }), run.io)).to.equal(0);
    expect(readCommandLine('USAGE', () => parseFlags(['--dryrun'], FLAGS), run.io)).to.equal(2);
    expect(run.out).to.deep.equal(['USAGE\n']);
    expect(run.err).to.deep.equal(['unknown option --dryrun: did you mean --dry-run?\nUSAGE\n']);
  });

  it('other errors are thrown, not taken for usage errors', () => {
    const boom = new Error('boom');
    expect(() => readCommandLine('USAGE', () => { throw boom; }, capture().io)).to.throw(boom);
    expect(usageError('x')).to.deep.include({ code: 'USAGE', retriable: false });
  });
});
