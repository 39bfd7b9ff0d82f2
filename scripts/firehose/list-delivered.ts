/**
 * Reads what the local Firehose emulator delivered to S3 and summarises it,
 * never printing a payload (DESIGN invariant 8 applies to tools too).
 *
 *   node dist/scripts/firehose/list-delivered.js --bucket wifi-scans-local --prefix scans/ \
 *        --format gzip-ndjson [--envelope] [--endpoint http://127.0.0.1:4566] [--show 10]
 */
import { createHash } from 'node:crypto';
import { RECORD_FORMATS, type RecordFormat } from '../../src/pipeline/wire';
import { DEFAULT_BUCKET, DEFAULT_PREFIX, emulatorEndpoint } from '../../test/support/firehose-admin';
import { type Envelope, readDeliveredDetailed } from '../../test/support/s3-reader';
import { integer, oneOf, parseFlags, readCommandLine, usageText, type Flags } from '../lib/cli';

const ID_FIELDS = ['id', 'scanId', 'scan_id', 'messageId', 'uuid'];

/** A one-line description of a message: an id field if the JSON has one, its size and a short hash. */
export function summarise(message: Buffer, envelope?: Envelope): string {
  let id = '-';
  try {
    const doc: unknown = envelope ? envelope.value : JSON.parse(message.toString('utf8'));
    if (typeof doc === 'object' && doc !== null) {
      const rec = doc as Record<string, unknown>;
      const field = ID_FIELDS.find((f) => typeof rec[f] === 'string' || typeof rec[f] === 'number');
      if (field !== undefined) id = `${field}=${String(rec[field]).slice(0, 64)}`;
    }
  } catch {
    id = '(not JSON)';
  }
  const sha = createHash('sha1').update(message).digest('hex').slice(0, 12);
  const where = envelope ? ` ${envelope.topic}/${envelope.partition}@${envelope.offset}` : '';
  return `${id} bytes=${message.length} sha1=${sha}${where}`;
}

const FLAGS = {
  bucket: { type: 'string', arg: 'B', help: `S3 bucket (default ${DEFAULT_BUCKET})` },
  prefix: { type: 'string', arg: 'P', help: `key prefix (default ${DEFAULT_PREFIX})` },
  format: { type: 'string', arg: 'F', help: `the stream's record format: ${RECORD_FORMATS.join(', ')} (default ndjson)` },
  envelope: { type: 'boolean', help: 'each message is wrapped in the envelope (topic, partition, offset, timestamp, key, value)' },
  endpoint: { type: 'string', arg: 'URL', help: 'the emulator (default $FIREHOSE_EMULATOR_ENDPOINT, else http://127.0.0.1:$FIREHOSE_EMULATOR_PORT, 4566)' },
  show: { type: 'string', arg: 'N', help: 'summarise the first N messages (default 5)' },
} as const satisfies Flags;

export const LIST_USAGE = usageText(`list-delivered --bucket B --prefix P --format ${RECORD_FORMATS.join('|')} [--envelope] [--endpoint URL] [--show N]`, FLAGS);

export interface ListOptions {
  endpoint: string;
  bucket: string;
  prefix: string;
  format: RecordFormat;
  envelope: boolean;
  show: number;
  help: boolean;
}

export function parseListArgs(argv: readonly string[]): ListOptions {
  const a = parseFlags(argv, FLAGS);
  return {
    endpoint: a.text('endpoint') ?? emulatorEndpoint(),
    bucket: a.text('bucket') ?? DEFAULT_BUCKET,
    prefix: a.text('prefix') ?? DEFAULT_PREFIX,
    format: a.value('format', oneOf(RECORD_FORMATS)) ?? 'ndjson',
    envelope: a.flag('envelope'),
    show: a.value('show', integer(0)) ?? 5,
    help: a.help,
  };
}

async function main(argv: string[]): Promise<number> {
  const o = readCommandLine(LIST_USAGE, () => parseListArgs(argv));
  if (typeof o === 'number') return o;
  const read = await readDeliveredDetailed(o);
  const messageBytes = read.messages.reduce((n, m) => n + m.length, 0);
  const out = [
    `s3://${o.bucket}/${o.prefix} (${o.format}${o.envelope ? ', envelope' : ''}) at ${o.endpoint}`,
    `objects:  ${read.objects.length}`,
    `messages: ${read.messages.length}`,
    `bytes:    ${read.objectBytes} stored, ${messageBytes} decoded`,
  ];
  read.messages.slice(0, o.show).forEach((m, i) => {
    out.push(`  #${i} ${summarise(m, read.envelopes?.[i])}`);
  });
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`list-delivered: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
