/**
 * The few DER (X.690) readings the PKCS12 reader needs: one TLV at a time,
 * definite lengths only, over a Buffer, never copying unless asked.
 *
 * Anything outside that (BER indefinite lengths, multi-byte tags, a length
 * past the end) throws DerUnsupported: the caller then hands the whole file
 * to node-forge, which reads BER too and names what is wrong the way it
 * always has (src/kafka/tls-pkcs12.ts).
 */

/** The structure is not one this reader decodes; node-forge may still. */
export class DerUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerUnsupported';
  }
}

/** Universal tags and the context tags PKCS12 uses (X.690 8.1.2). */
export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OCTET_STRING_CONSTRUCTED: 0x24,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT (constructed). */
  CONTEXT_0: 0xa0,
  /** [0] IMPLICIT OCTET STRING (primitive), as in EncryptedContentInfo. */
  CONTEXT_0_PRIMITIVE: 0x80,
} as const;

/** One element: its tag, where it begins (`head`, at the tag) and where its contents lie in `buf`. */
export interface Tlv {
  readonly buf: Buffer;
  readonly tag: number;
  readonly head: number;
  readonly start: number;
  readonly end: number;
}

export function readTlv(buf: Buffer, pos: number, limit: number = buf.length): Tlv {
  if (pos + 2 > limit) throw new DerUnsupported('truncated element');
  const tag = buf[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerUnsupported('multi-byte tag');
  let length = buf[pos + 1];
  let start = pos + 2;
  if (length === 0x80) throw new DerUnsupported('indefinite length (BER)');
  if (length > 0x80) {
    const n = length & 0x7f;
    if (n > 4 || start + n > limit) throw new DerUnsupported('bad length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start + i];
    start += n;
  }
  if (start + length > limit) throw new DerUnsupported('element runs past its container');
  return { buf, tag, head: pos, start, end: start + length };
}

/** The element at the start of `buf`, which must be a `tag`. */
export function root(buf: Buffer, tag: number): Tlv {
  return expectTag(readTlv(buf, 0), tag);
}

export function expectTag(tlv: Tlv, tag: number): Tlv {
  if (tlv.tag !== tag) throw new DerUnsupported(`expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The elements inside a constructed one, in order. */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = tlv.start; pos < tlv.end; ) {
    const child = readTlv(tlv.buf, pos, tlv.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The single element inside an explicit tag such as [0]. */
export function inner(tlv: Tlv): Tlv {
  return readTlv(tlv.buf, tlv.start, tlv.end);
}

/** The contents, without the tag and length. */
export function bytes(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.start, tlv.end);
}

/** The whole element, tag and length included (its DER encoding). */
export function encoded(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.head, tlv.end);
}

/**
 * An OCTET STRING's value: primitive (DER), or the concatenated segments of a
 * constructed one (BER writers split long contents that way), or a context tag
 * implicitly typed as OCTET STRING (`[0] IMPLICIT`), in either form.
 */
export function octets(tlv: Tlv): Buffer {
  if (tlv.tag === TAG.OCTET_STRING || tlv.tag === TAG.CONTEXT_0_PRIMITIVE) return bytes(tlv);
  if (tlv.tag === TAG.OCTET_STRING_CONSTRUCTED || tlv.tag === TAG.CONTEXT_0) return Buffer.concat(children(tlv).map(octets));
  throw new DerUnsupported(`expected an OCTET STRING, found tag 0x${tlv.tag.toString(16)}`);
}

/** A non-negative INTEGER that fits a double exactly (iteration counts, versions, key lengths). */
export function smallInt(tlv: Tlv): number {
  expectTag(tlv, TAG.INTEGER);
  const b = bytes(tlv);
  if (b.length === 0 || b.length > 6 || (b[0] & 0x80) !== 0) throw new DerUnsupported('INTEGER out of range');
  return b.readUIntBE(0, b.length);
}

/** An OBJECT IDENTIFIER in dotted form (X.690 8.19). */
export function oid(tlv: Tlv): string {
  expectTag(tlv, TAG.OID);
  const b = bytes(tlv);
  if (b.length === 0) throw new DerUnsupported('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of b) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerUnsupported('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if ((b[b.length - 1] & 0x80) !== 0) throw new DerUnsupported('truncated OID');
  const first = arcs.shift() ?? 0;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
export function algorithm(tlv: Tlv): { oid: string; params: Tlv | undefined } {
  const [id, params] = children(expectTag(tlv, TAG.SEQUENCE));
  if (!id) throw new DerUnsupported('empty AlgorithmIdentifier');
  return { oid: oid(id), params: params && params.tag !== TAG.NULL ? params : undefined };
}
