/**
 * The AWS SDK's JSON codec with native base64 for blobs (PutRecordBatch `Data`).
 *
 * Why: the SDK (@smithy/core ≥ 3.2x, `JsonShapeSerializer2.writeBase64`) base64-encodes
 * every record's bytes with a JavaScript loop on the main thread. A profile of the
 * end-to-end benchmark put it at the top of the main thread (issue 8), and a
 * micro-benchmark of one 2.8 MB PutRecordBatch through the whole client (sign, serialize,
 * a fake handler) measured 11.0 ms CPU per request with the stock serializer and 6.7 ms
 * with this one: Node's `Buffer#toString('base64')` is native. The request body is
 * byte-for-byte the same (test/unit/firehose-wire-codec.test.ts compares them).
 *
 * The override writes into the serializer's buffer through two fields the type
 * declarations mark private (`json`, `i`); if a later SDK renames them, `canWriteDirect`
 * is false and the stock method runs (slower, still correct), and the unit test that
 * checks `canWriteDirect` fails so we notice. The SDK version is pinned (package.json).
 */
import { errorTypeRegistries } from '@aws-sdk/client-firehose';
import { AwsJson1_1Protocol, JsonCodec2, JsonShapeSerializer2 } from '@aws-sdk/core/protocols';

type JsonSettings = ConstructorParameters<typeof JsonCodec2>[0];

/** The settings the Firehose client's own protocol uses (client-firehose `getRuntimeConfig`). */
const FIREHOSE_JSON_SETTINGS: JsonSettings = { timestampFormat: { useTrait: true, default: 7 }, jsonName: false };

interface SerializerInternals {
  json: Uint8Array;
  i: number;
}

const QUOTE = 0x22;

/** True when the serializer's buffer fields are where this module expects them. */
export function canWriteDirect(serializer: object): boolean {
  const s = serializer as Partial<SerializerInternals>;
  return s.json instanceof Uint8Array && typeof s.i === 'number';
}

export class NativeBase64JsonSerializer extends JsonShapeSerializer2 {
  private readonly direct = canWriteDirect(this);

  /**
   * Sizes the buffer once for a PutRecordBatch: the stock serializer starts at 2 KB and
   * doubles (11 copies and about 8 MB of garbage for a 2.8 MB body).
   */
  override write(schema: Parameters<JsonShapeSerializer2['write']>[0], value: unknown): void {
    const hint = bodySizeHint(value);
    if (hint > 0) this.ensure(hint);
    super.write(schema, value);
  }

  protected override writeBase64(data: Uint8Array): void {
    if (!this.direct) {
      super.writeBase64(data);
      return;
    }
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    this.ensure(text.length + 2); // may replace the buffer: read the fields after it
    const self = this as unknown as SerializerInternals;
    const target = Buffer.from(self.json.buffer, self.json.byteOffset, self.json.byteLength);
    let i = self.i;
    target[i++] = QUOTE;
    i += target.write(text, i, 'latin1'); // base64 is ASCII: one byte per character
    target[i++] = QUOTE;
    self.i = i;
  }
}

/** An upper bound of a PutRecordBatch body's bytes (0 for other inputs): base64 of each Data plus framing. */
export function bodySizeHint(value: unknown): number {
  const records = (value as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return 0;
  let bytes = 256; // {"DeliveryStreamName":"…","Records":[…]}: names are at most 64 characters
  for (const record of records) {
    const data = (record as { Data?: unknown } | null)?.Data;
    bytes += 16 + (data instanceof Uint8Array ? Math.ceil(data.byteLength / 3) * 4 : 0); // {"Data":"…"},
  }
  return bytes;
}

export class NativeBase64JsonCodec extends JsonCodec2 {
  override createSerializer(): NativeBase64JsonSerializer {
    const serializer = new NativeBase64JsonSerializer(this.settings);
    // As JsonCodec2 does (it passes its context even before it has one).
    serializer.setSerdeContext(this.serdeContext as NonNullable<typeof this.serdeContext>);
    return serializer;
  }
}

/** The Firehose client's protocol (awsJson1_1), with the native-base64 codec. */
export function firehoseProtocol(): AwsJson1_1Protocol {
  return new AwsJson1_1Protocol({
    defaultNamespace: 'com.amazonaws.firehose',
    errorTypeRegistries,
    serviceTarget: 'Firehose_20150804',
    awsQueryCompatible: false,
    jsonCodec: new NativeBase64JsonCodec(FIREHOSE_JSON_SETTINGS),
  });
}
