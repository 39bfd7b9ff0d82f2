/**
 * Client TLS material for kafkajs, loaded and validated once at start-up.
 *
 * Input: a PKCS12 keystore + PKCS12 truststore (the Java/Kafka convention), or
 * PEM certificate, key and CA files. Output: the options kafkajs passes to
 * tls.connect (`ca`, `cert`, `key` as PEM, TLS 1.2+), plus a `summary` of
 * non-secret facts for the start-up log. Relative paths resolve against
 * `resourceRoot` (the application root unless configured: the counterpart of
 * reading stores from the Java classpath).
 *
 * Every failure is a TlsMaterialError with a code, naming the file and the
 * cause and never the password:
 *   TLS_FILE_UNREADABLE, TLS_BAD_PASSWORD, TLS_LEGACY_PKCS12, TLS_INVALID_FORMAT,
 *   TLS_NO_PRIVATE_KEY, TLS_NO_CERTIFICATE, TLS_KEY_MISMATCH, TLS_CERT_EXPIRED,
 *   TLS_CERT_NOT_YET_VALID, TLS_EMPTY_TRUSTSTORE, TLS_UNTRUSTED_CHAIN.
 *
 * insecureSkipVerify (refused in production by the config) sets
 * rejectUnauthorized=false and turns the two truststore checks
 * (empty, untrusted chain) into warnings; the client key pair and its
 * validity are still checked, since the broker will check them.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsConfig } from '../config/types';
import { TlsMaterialError } from '../errors';
import type { Logger } from '../logging/types';
import { REEXPORT_HINT, readPkcs12 } from './tls-pkcs12';
import { parsePemCertificates, parsePemKey } from './tls-pem';
import { certFacts, certificateForKey, checkKeyMatches, checkValidity, findTrustedPath, notAfter, untrustedChainError } from './tls-verify';

export interface TlsSummary {
  readonly source: 'pkcs12' | 'pem';
  readonly keystore: string;
  readonly truststore: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint: string;
  readonly serialNumber: string;
  /** Intermediate certificates sent after the client certificate. */
  readonly intermediates: number;
  readonly trustedCas: number;
  /** Subject of the truststore CA the client chain ends at ("" when unverified). */
  readonly anchor: string;
  readonly legacyPkcs12: boolean;
  readonly insecureSkipVerify: boolean;
}

export interface TlsMaterial {
  readonly ca: string[];
  readonly cert: string;
  readonly key: string;
  readonly minVersion: 'TLSv1.2';
  readonly rejectUnauthorized: boolean;
  /** Present only when configured: kafkajs then uses the broker host. */
  readonly servername?: string;
  readonly summary: TlsSummary;
}

export interface LoadTlsOptions {
  /** The moment validity is judged at; default the current time. */
  readonly now?: Date;
  readonly logger: Logger;
}

/** Warn when the client certificate has less than this left. */
const EXPIRY_WARNING_MS = 30 * 24 * 3600 * 1000;

interface ClientMaterial {
  readonly key: KeyObject;
  readonly leaf: X509Certificate;
  readonly extra: X509Certificate[];
  readonly keyFile: string;
  readonly certFile: string;
  readonly legacyAlgorithm?: string;
}

export function loadTlsMaterial(cfg: TlsConfig, opts: LoadTlsOptions): TlsMaterial {
  const now = opts.now ?? new Date();
  const log = opts.logger;
  const pkcs12 = cfg.keystoreType === 'pkcs12';
  const { client, trust, trustFile } = readStores(cfg);
  if (client.legacyAlgorithm) {
    log.warn('kafka TLS keystore uses legacy PKCS12 encryption; it was read, but OpenSSL 3 and newer Java tools may not read it: re-export it', {
      file: client.keyFile,
      algorithm: client.legacyAlgorithm,
      hint: REEXPORT_HINT,
    });
  }

  checkKeyMatches(client.key, client.leaf, client.keyFile, client.certFile);
  checkValidity([{ cert: client.leaf, what: 'client certificate', file: client.certFile }], now);

  let chain = client.extra.filter((c) => !c.checkIssued(c)); // send intermediates, not roots
  let anchor = '';
  if (trust.length === 0) {
    if (!cfg.insecureSkipVerify) {
      throw new TlsMaterialError('TLS_EMPTY_TRUSTSTORE', `truststore ${trustFile} holds no certificates: the broker certificate could not be verified`, trustFile);
    }
    log.warn('kafka TLS truststore is empty (allowed only because insecureSkipVerify is set)', { file: trustFile });
  } else {
    const found = findTrustedPath(client.leaf, client.extra, trust);
    if (found) {
      checkValidity(
        [...found.intermediates.map((cert) => ({ cert, what: 'intermediate CA', file: client.certFile })), { cert: found.anchor, what: 'CA', file: trustFile }],
        now,
      );
      chain = found.intermediates;
      anchor = certFacts(found.anchor).subject;
    } else if (cfg.insecureSkipVerify) {
      log.warn('kafka TLS client certificate does not chain to the truststore (allowed only because insecureSkipVerify is set)', { file: client.certFile, truststore: trustFile });
    } else {
      throw untrustedChainError(client.leaf, trust, client.certFile, trustFile);
    }
  }

  if (cfg.insecureSkipVerify) {
    log.warn('INSECURE: kafka.tls.insecureSkipVerify is set: the broker certificate is NOT verified; anyone on the path can impersonate the broker. Development only.', {
      setting: 'kafka.tls.insecureSkipVerify',
    });
  }
  const leafEnd = notAfter(client.leaf);
  if (leafEnd.getTime() - now.getTime() < EXPIRY_WARNING_MS) {
    log.warn('kafka TLS client certificate expires soon', { file: client.certFile, notAfter: leafEnd.toISOString() });
  }

  const facts = certFacts(client.leaf);
  const summary: TlsSummary = {
    source: pkcs12 ? 'pkcs12' : 'pem',
    keystore: client.certFile === client.keyFile ? client.keyFile : `${client.certFile} + ${client.keyFile}`,
    truststore: trustFile,
    ...facts,
    intermediates: chain.length,
    trustedCas: trust.length,
    anchor,
    legacyPkcs12: client.legacyAlgorithm !== undefined,
    insecureSkipVerify: cfg.insecureSkipVerify,
  };
  return {
    ca: trust.map((c) => c.toString()),
    cert: [client.leaf, ...chain].map((c) => c.toString()).join(''),
    key: client.key.export({ type: 'pkcs8', format: 'pem' }) as string,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: !cfg.insecureSkipVerify,
    ...(cfg.servername !== '' ? { servername: cfg.servername } : {}),
    summary,
  };
}

/** Every certificate of the keystore (client chain) and of the truststore, read again from disk. */
export interface StoreCertificates {
  readonly keystore: { readonly file: string; readonly certs: readonly X509Certificate[] };
  readonly truststore: { readonly file: string; readonly certs: readonly X509Certificate[] };
}

/**
 * Re-reads the stores with the same loaders as start-up, for the certificate
 * health indicator (src/health/certificates.ts), so a rotated keystore is noticed.
 */
export function readStoreCertificates(cfg: TlsConfig): StoreCertificates {
  const { client, trust, trustFile } = readStores(cfg);
  return { keystore: { file: client.certFile, certs: [client.leaf, ...client.extra] }, truststore: { file: trustFile, certs: trust } };
}

function readStores(cfg: TlsConfig): { client: ClientMaterial; trust: X509Certificate[]; trustFile: string } {
  const resolve = (p: string): string => path.resolve(cfg.resourceRoot, p);
  const pkcs12 = cfg.keystoreType === 'pkcs12';
  const client = pkcs12 ? clientFromPkcs12(cfg, resolve) : clientFromPem(cfg, resolve);
  const trustFile = resolve(pkcs12 ? cfg.truststorePath : cfg.caPath);
  const trust = pkcs12 ? trustFromPkcs12(trustFile, cfg.truststorePassword) : parsePemCertificates(readText(trustFile, 'CA file'), trustFile, 'CA file');
  return { client, trust, trustFile };
}

function readBytes(file: string, role: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
    throw new TlsMaterialError('TLS_FILE_UNREADABLE', `cannot read ${role} ${file}: ${why} (${code})`, file, { cause: err });
  }
  if (data.length === 0) throw new TlsMaterialError('TLS_FILE_UNREADABLE', `${role} ${file} is empty`, file);
  return data;
}

function readText(file: string, role: string): string {
  return readBytes(file, role).toString('utf8');
}

function toCertificate(der: Buffer, file: string, role: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new TlsMaterialError('TLS_INVALID_FORMAT', `${role} ${file} holds a certificate that cannot be parsed (${(err as Error).message})`, file);
  }
}

function clientFromPkcs12(cfg: TlsConfig, resolve: (p: string) => string): ClientMaterial {
  const file = resolve(cfg.keystorePath);
  const p12 = readPkcs12(readBytes(file, 'keystore'), cfg.keystorePassword, file, 'keystore');
  if (p12.keys.length === 0) {
    throw new TlsMaterialError('TLS_NO_PRIVATE_KEY', `keystore ${file} holds no private key (is it a truststore?)`, file);
  }
  if (p12.keys.length > 1) {
    throw new TlsMaterialError('TLS_INVALID_FORMAT', `keystore ${file} holds ${p12.keys.length} private keys; expected exactly one`, file);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: p12.keys[0], format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new TlsMaterialError('TLS_INVALID_FORMAT', `keystore ${file}: the private key cannot be read (${(err as Error).message})`, file);
  }
  const certs = p12.certs.map((der) => toCertificate(der, file, 'keystore'));
  if (certs.length === 0) throw new TlsMaterialError('TLS_NO_CERTIFICATE', `keystore ${file} holds no certificate`, file);
  // The leaf is the certificate paired with the key (same localKeyId), else the one
  // with the key's public key, else the first end-entity certificate; a wrong pick
  // is then reported as TLS_KEY_MISMATCH.
  const byId = p12.keyIds[0] !== '' ? p12.certIds.indexOf(p12.keyIds[0]) : -1;
  const leaf = (byId >= 0 ? certs[byId] : undefined) ?? certificateForKey(key, certs) ?? certs.find((c) => !c.ca) ?? certs[0];
  return { key, leaf, extra: certs.filter((c) => c !== leaf), keyFile: file, certFile: file, legacyAlgorithm: p12.legacyAlgorithm };
}

function clientFromPem(cfg: TlsConfig, resolve: (p: string) => string): ClientMaterial {
  const certFile = resolve(cfg.certPath);
  const keyFile = resolve(cfg.keyPath);
  const certs = parsePemCertificates(readText(certFile, 'certificate'), certFile, 'certificate');
  if (certs.length === 0) throw new TlsMaterialError('TLS_NO_CERTIFICATE', `certificate file ${certFile} holds no PEM certificate`, certFile);
  const key = parsePemKey(readText(keyFile, 'private key'), cfg.keyPassword, keyFile, 'kafka.tls.keyPassword');
  // Convention (and what OpenSSL sends): the client certificate first, then its chain.
  return { key, leaf: certs[0], extra: certs.slice(1), keyFile, certFile };
}

function trustFromPkcs12(file: string, password: string): X509Certificate[] {
  const p12 = readPkcs12(readBytes(file, 'truststore'), password, file, 'truststore');
  return p12.certs.map((der) => toCertificate(der, file, 'truststore'));
}
