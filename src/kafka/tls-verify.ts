/**
 * Start-up checks of client TLS material, so a bad keystore fails with a named
 * cause instead of an opaque handshake error minutes later: the key matches
 * the certificate, every certificate on the path is within its validity
 * window, and the client chain reaches a CA in the truststore.
 *
 * The chain rule assumes the usual Kafka deployment where one CA (or CA set)
 * signs brokers and clients and the truststore holds it; when the client CA
 * differs from the broker CA, put both CAs in the truststore.
 */
import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { TlsMaterialError } from '../errors';

export interface CertFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint: string;
  readonly serialNumber: string;
}

/** X509Certificate renders names one RDN per line; a log line wants "CN=a, O=b". */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function notBefore(cert: X509Certificate): Date {
  return new Date(cert.validFrom);
}

export function notAfter(cert: X509Certificate): Date {
  return new Date(cert.validTo);
}

export function certFacts(cert: X509Certificate): CertFacts {
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    notBefore: notBefore(cert).toISOString(),
    notAfter: notAfter(cert).toISOString(),
    fingerprint: cert.fingerprint256,
    serialNumber: cert.serialNumber,
  };
}

function spki(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pub.export({ type: 'spki', format: 'der' });
}

/** The certificate whose public key is the key's, among `certs`; undefined if none. */
export function certificateForKey(key: KeyObject, certs: readonly X509Certificate[]): X509Certificate | undefined {
  const mine = spki(key);
  return certs.find((c) => spki(c.publicKey).equals(mine));
}

export function checkKeyMatches(key: KeyObject, cert: X509Certificate, keyFile: string, certFile: string): void {
  if (!spki(key).equals(spki(cert.publicKey))) {
    const where = keyFile === certFile ? `in ${keyFile}` : `${keyFile} vs ${certFile}`;
    throw new TlsMaterialError(
      'TLS_KEY_MISMATCH',
      `the private key does not match the client certificate "${oneLine(cert.subject)}" (${where}): they are not a key pair`,
      keyFile,
    );
  }
}

/** Throws TLS_CERT_EXPIRED / TLS_CERT_NOT_YET_VALID for the first certificate outside its window at `now`. */
export function checkValidity(certs: readonly { cert: X509Certificate; what: string; file: string }[], now: Date): void {
  for (const { cert, what, file } of certs) {
    const from = notBefore(cert);
    const to = notAfter(cert);
    if (now.getTime() > to.getTime()) {
      throw new TlsMaterialError(
        'TLS_CERT_EXPIRED',
        `${what} "${oneLine(cert.subject)}" in ${file} expired on ${to.toISOString()} (now ${now.toISOString()})`,
        file,
      );
    }
    if (now.getTime() < from.getTime()) {
      throw new TlsMaterialError(
        'TLS_CERT_NOT_YET_VALID',
        `${what} "${oneLine(cert.subject)}" in ${file} is not valid before ${from.toISOString()} (now ${now.toISOString()}; check the clock)`,
        file,
      );
    }
  }
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

export interface TrustedPath {
  /** Intermediates between the leaf and the anchor, from the keystore. */
  readonly intermediates: X509Certificate[];
  /** The truststore certificate the path ends at. */
  readonly anchor: X509Certificate;
}

/**
 * Walks leaf → issuer → ... using the keystore's extra certificates, until a
 * truststore certificate signs (or equals) the current one. Signatures are
 * verified at each step, not just names.
 */
export function findTrustedPath(
  leaf: X509Certificate,
  extra: readonly X509Certificate[],
  trust: readonly X509Certificate[],
): TrustedPath | undefined {
  const intermediates: X509Certificate[] = [];
  const seen = new Set<string>();
  let current = leaf;
  for (let depth = 0; depth < 10; depth++) {
    seen.add(current.fingerprint256);
    const same = trust.find((t) => t.fingerprint256 === current.fingerprint256);
    if (same) return { intermediates: intermediates.slice(0, -1), anchor: same };
    const anchor = trust.find((t) => issuedBy(current, t));
    if (anchor) return { intermediates, anchor };
    const next = extra.find((c) => !seen.has(c.fingerprint256) && issuedBy(current, c));
    if (!next) return undefined;
    intermediates.push(next);
    current = next;
  }
  return undefined;
}

export function untrustedChainError(leaf: X509Certificate, trust: readonly X509Certificate[], keystore: string, truststore: string): TlsMaterialError {
  const anchors = trust.map((t) => `"${oneLine(t.subject)}"`).join(', ');
  return new TlsMaterialError(
    'TLS_UNTRUSTED_CHAIN',
    `client certificate "${oneLine(leaf.subject)}" (issuer "${oneLine(leaf.issuer)}") from ${keystore} does not chain to any CA in ${truststore} (trusted: ${anchors})`,
    keystore,
  );
}
