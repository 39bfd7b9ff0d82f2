/**
 * PKCS12 keystores and truststores decoded with node-forge: the fallback for
 * what the native reader (tls-pkcs12-native.ts) does not decode. Loaded only
 * then (tls-pkcs12.ts requires this module lazily), because node-forge's
 * modules and its JavaScript KDFs cost about 0.2 CPU-seconds at start-up.
 *
 * Why node-forge at all: OpenSSL 3 (Node 17+) lacks the RC2 and RC4
 * encryption older tools wrote ("Unsupported PKCS12 PFX data": they live in
 * OpenSSL's legacy provider, which Node does not load); node-forge decrypts
 * RC2-40 in JavaScript, and it reads BER (indefinite lengths). It is used for
 * the container only: certificates leave as DER for crypto.X509Certificate
 * and keys as PKCS#8 DER for crypto.createPrivateKey, so EC keys (which forge
 * cannot parse itself) work as well.
 *
 * Decision on legacy files: a keystore forge can read (RC2-40 + 3DES, SHA-1
 * MAC: `openssl pkcs12 -export -legacy`) is accepted with a warning carrying
 * the re-export hint; one it cannot read (RC4, RC2-128, 2-key 3DES) fails with
 * TLS_LEGACY_PKCS12 and the same hint.
 */
import forge from 'node-forge';
import { TlsMaterialError } from '../errors';
import { PKCS12_PBE, REEXPORT_HINT, badPasswordError, type Pkcs12Contents } from './tls-pkcs12-common';

const RC2_40_DER = Buffer.from('060a2a864886f70d010c0106', 'hex');

const KEY_BAGS = new Set([forge.pki.oids.keyBag, forge.pki.oids.pkcs8ShroudedKeyBag]);
const CERT_BAG = forge.pki.oids.certBag;

/**
 * Decodes a PKCS12 file. `role` ("keystore", "truststore") and `file` go into
 * error messages; the password never does.
 */
export function readPkcs12WithForge(data: Buffer, password: string, file: string, role: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')), false);
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (err) {
    throw classify(err, file, role);
  }

  const contents = { certs: [] as Buffer[], keys: [] as Buffer[], keyIds: [] as string[], certIds: [] as string[], reader: 'forge' as const };
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      const id = localKeyId(bag);
      if (bag.type === CERT_BAG) {
        const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag.asn1 as forge.asn1.Asn1 | undefined);
        if (!asn1) continue;
        contents.certs.push(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
        contents.certIds.push(id);
      } else if (KEY_BAGS.has(bag.type)) {
        // forge parses RSA keys itself; for other key types it leaves the PrivateKeyInfo in bag.asn1.
        const info = bag.key
          ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey))
          : (bag.asn1 as forge.asn1.Asn1 | undefined);
        if (!info) continue;
        contents.keys.push(Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'));
        contents.keyIds.push(id);
      }
    }
  }
  return data.includes(RC2_40_DER) ? { ...contents, legacyAlgorithm: PKCS12_PBE['1.2.840.113549.1.12.1.6'] } : contents;
}

function localKeyId(bag: forge.pkcs12.Bag): string {
  const ids = (bag.attributes as Record<string, unknown[]> | undefined)?.localKeyId;
  const first = ids?.[0];
  return typeof first === 'string' ? Buffer.from(first, 'binary').toString('hex') : '';
}

/** Maps a node-forge failure to a coded error that names the file and never the password. */
function classify(err: unknown, file: string, role: string): TlsMaterialError {
  const e = err as Error & { oid?: string };
  const msg = String(e?.message ?? err);
  if (/MAC could not be verified|Invalid password|wrong password|Failed to decrypt/i.test(msg)) {
    return badPasswordError(file, role);
  }
  if (e?.oid !== undefined && /Unsupported OID|Unsupported .*algorithm|unsupported MAC/i.test(msg)) {
    const name = PKCS12_PBE[e.oid];
    const what = name ? `the legacy algorithm ${name}` : `an unsupported algorithm (OID ${e.oid})`;
    return new TlsMaterialError(
      'TLS_LEGACY_PKCS12',
      `cannot read ${role} ${file}: it is encrypted with ${what}; re-export it with modern encryption: ${REEXPORT_HINT}`,
      file,
    );
  }
  if (/unsupported MAC algorithm/i.test(msg)) {
    return new TlsMaterialError('TLS_LEGACY_PKCS12', `cannot read ${role} ${file}: ${msg}; re-export it: ${REEXPORT_HINT}`, file);
  }
  return new TlsMaterialError('TLS_INVALID_FORMAT', `cannot read ${role} ${file} as PKCS12: ${msg}`, file);
}
