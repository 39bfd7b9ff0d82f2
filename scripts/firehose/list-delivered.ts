/**
 * Reads what the local Firehose emulator delivered to S3 and summarises it,
 * never printing a payload (DESIGN invariant 8 applies to tools too).
 *
 *   node dist/scripts/firehose/list-delivered.js --bucket wifi-scans-local --prefix scans/ \
 *        --format gzip-ndjson [--envelope] [--endpoint http://127.0.0.1:4566] [--show 10]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RECORD_FORMATS, type RecordFormat } from '../../src/pipeline/wire';
import { DEFAULT_BUCKET, DEFAULT_PREFIX, emulatorEndpoint } from '../../test/support/firehose-admin';
import { type Envelope, readDeliveredDetailed } from '../../test/support/s3-reader';

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

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      endpoint: { type: 'string', default: emulatorEndpoint() },
      bucket: { type: 'string', default: DEFAULT_BUCKET },
      prefix: { type: 'string', default: DEFAULT_PREFIX },
      format: { type: 'string', default: 'ndjson' },
      envelope: { type: 'boolean', default: false },
      show: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: list-delivered --bucket B --prefix P --format ' +
        `${RECORD_FORMATS.join('|')} [--envelope] [--endpoint URL] [--show N]\n`,
    );
    return 0;
  }
  const format = values.format as RecordFormat;
  if (!RECORD_FORMATS.includes(format)) {
    process.stderr.write(`--format must be one of ${RECORD_FORMATS.join(', ')}\n`);
    return 2;
  }
  const show = Number.parseInt(values.show, 10);
  const read = await readDeliveredDetailed({
    endpoint: values.endpoint,
    bucket: values.bucket,
    prefix: values.prefix,
    format,
    envelope: values.envelope,
  });
  const messageBytes = read.messages.reduce((n, m) => n + m.length, 0);
  const out = [
    `s3://${values.bucket}/${values.prefix} (${format}${values.envelope ? ', envelope' : ''}) at ${values.endpoint}`,
    `objects:  ${read.objects.length}`,
    `messages: ${read.messages.length}`,
    `bytes:    ${read.objectBytes} stored, ${messageBytes} decoded`,
  ];
  read.messages.slice(0, Number.isFinite(show) ? show : 5).forEach((m, i) => {
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
