/**
 * PKCS12 keystores and truststores read with node:crypto alone (RFC 7292):
 * the PFX structure is walked with tls-der.ts, the MAC checked and the
 * contents decrypted with tls-pkcs12-crypto.ts.
 *
 * Why not `tls.createSecureContext({ pfx })`: OpenSSL does read a keystore
 * that way, but the context shows nothing of it (no certificate to check for
 * dates or a chain, no key to match with a named error), and it refuses a
 * certificate-only truststore ("Unable to load private key from PFX data").
 *
 * Outcome: the contents; or TLS_BAD_PASSWORD when the MAC does not match
 * (the only verdict given here); or NotNative for anything this reader does
 * not decode (legacy RC2/RC4 encryption, BER, PBMAC1, odd bags, a file that
 * is not PKCS12 at all), in which case tls-pkcs12.ts hands the file to
 * node-forge, which decides as it always has.
 */
import { DerUnsupported, bytes, children, encoded, expectTag, inner, octets, oid, readTlv, root, smallInt, TAG, type Tlv } from './tls-der';
import { DecryptFailed, decrypt, macMatches } from './tls-pkcs12-crypto';
import { badPasswordError, type Pkcs12Contents } from './tls-pkcs12-common';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;

/** Bags that carry nothing the client needs (CRLs, secrets): skipped, as node-forge's reading did. */
const IGNORED_BAGS = new Set(['1.2.840.113549.1.12.10.1.4', '1.2.840.113549.1.12.10.1.5']);

/** This reader cannot decode the file; node-forge gets it. */
export class NotNative extends Error {
  constructor(readonly reason: string) {
    super(`not read natively: ${reason}`);
    this.name = 'NotNative';
  }
}

export function readPkcs12Native(data: Buffer, password: string, file: string, role: string): Pkcs12Contents {
  try {
    return walk(data, password, file, role);
  } catch (err) {
    if (err instanceof DerUnsupported) throw new NotNative(err.message);
    if (err instanceof DecryptFailed) throw new NotNative('a decryption failed');
    throw err;
  }
}

function walk(data: Buffer, password: string, file: string, role: string): Pkcs12Contents {
  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  const [versionTlv, authSafeTlv, macData] = children(root(data, TAG.SEQUENCE));
  if (!versionTlv || !authSafeTlv || smallInt(versionTlv) !== 3) throw new DerUnsupported('not a PKCS12 v3 PFX');
  const authSafe = dataContent(authSafeTlv);
  if (macData && !macMatches(macData, authSafe, password)) throw badPasswordError(file, role);

  const out = { certs: [] as Buffer[], keys: [] as Buffer[], keyIds: [] as string[], certIds: [] as string[], reader: 'native' as const };
  // AuthenticatedSafe ::= SEQUENCE OF ContentInfo, each plain data or encryptedData.
  for (const info of children(root(authSafe, TAG.SEQUENCE))) {
    const [typeTlv, content] = children(expectTag(info, TAG.SEQUENCE));
    if (!typeTlv || !content) throw new DerUnsupported('incomplete ContentInfo');
    const type = oid(typeTlv);
    const safeContents = type === OID.data ? octets(inner(content)) : type === OID.encryptedData ? decryptData(inner(content), password) : undefined;
    if (!safeContents) throw new DerUnsupported(`ContentInfo type ${type}`);
    for (const bag of children(root(safeContents, TAG.SEQUENCE))) readBag(bag, password, out);
  }
  return out;
}

/** ContentInfo of type data: its OCTET STRING. */
function dataContent(info: Tlv): Buffer {
  const [typeTlv, content] = children(expectTag(info, TAG.SEQUENCE));
  if (!typeTlv || !content || oid(typeTlv) !== OID.data) throw new DerUnsupported('authSafe is not plain data (a signed PFX?)');
  return octets(inner(expectTag(content, TAG.CONTEXT_0)));
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType, contentEncryptionAlgorithm, [0] IMPLICIT encryptedContent } } */
function decryptData(encrypted: Tlv, password: string): Buffer {
  const [, eci] = children(expectTag(encrypted, TAG.SEQUENCE));
  if (!eci) throw new DerUnsupported('EncryptedData without content');
  const [, alg, content] = children(expectTag(eci, TAG.SEQUENCE));
  if (!alg || !content) throw new DerUnsupported('EncryptedContentInfo without content');
  return decrypt(alg, octets(content), password);
}

/** SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF PKCS12Attribute OPTIONAL } */
function readBag(bag: Tlv, password: string, out: { certs: Buffer[]; keys: Buffer[]; keyIds: string[]; certIds: string[] }): void {
  const [idTlv, valueTlv, attributes] = children(expectTag(bag, TAG.SEQUENCE));
  if (!idTlv || !valueTlv) throw new DerUnsupported('incomplete SafeBag');
  const type = oid(idTlv);
  const value = inner(expectTag(valueTlv, TAG.CONTEXT_0));
  const id = attributes ? localKeyId(attributes) : '';
  if (type === OID.certBag) {
    // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }; other certificate kinds are skipped.
    const [certType, certValue] = children(expectTag(value, TAG.SEQUENCE));
    if (!certType || !certValue) throw new DerUnsupported('incomplete CertBag');
    if (oid(certType) !== OID.x509Certificate) return;
    out.certs.push(Buffer.from(octets(inner(expectTag(certValue, TAG.CONTEXT_0)))));
    out.certIds.push(id);
  } else if (type === OID.keyBag) {
    out.keys.push(Buffer.from(encoded(value)));
    out.keyIds.push(id);
  } else if (type === OID.pkcs8ShroudedKeyBag) {
    // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
    const [alg, encrypted] = children(expectTag(value, TAG.SEQUENCE));
    if (!alg || !encrypted) throw new DerUnsupported('incomplete EncryptedPrivateKeyInfo');
    const info = decrypt(alg, octets(encrypted), password);
    out.keys.push(encoded(readTlv(info, 0)));
    out.keyIds.push(id);
  } else if (!IGNORED_BAGS.has(type)) {
    throw new DerUnsupported(`SafeBag type ${type}`);
  }
}

/** The first localKeyId value, as hex; "" when the bag has none. */
function localKeyId(attributes: Tlv): string {
  for (const attribute of children(expectTag(attributes, TAG.SET))) {
    const [typeTlv, values] = children(expectTag(attribute, TAG.SEQUENCE));
    if (typeTlv && values && oid(typeTlv) === OID.localKeyId) {
      const [first] = children(expectTag(values, TAG.SET));
      return first ? bytes(expectTag(first, TAG.OCTET_STRING)).toString('hex') : '';
    }
  }
  return '';
}
