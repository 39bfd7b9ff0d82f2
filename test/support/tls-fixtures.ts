/**
 * TLS fixtures for unit tests, generated into a temporary directory: never
 * committed. The base set comes from scripts/generate-ssl-certs.sh when it runs
 * cleanly (the same files a developer gets), otherwise from openssl directly.
 * The unusual cases (RC4 keystore, empty truststore, key/cert mismatch inside
 * a PKCS12, EC chain with an intermediate) are always made here.
 *
 * Expiry is tested by moving `now`, not by making expired certificates.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export const FIXTURE_PASSWORDS = {
  keystore: 'Ks-f1xture-S3cret',
  truststore: 'Ts-f1xture-S3cret',
  key: 'Key-f1xture-S3cret',
} as const;

export interface TlsFixtures {
  readonly dir: string;
  readonly generatedBy: 'script' | 'openssl';
  /** False when this openssl has no legacy provider: the legacy cases are then skipped. */
  readonly legacyAvailable: boolean;
  /** True when keytool made F.javaKeystore (Java's own PKCS12 defaults). */
  readonly keytoolAvailable: boolean;
  cleanup(): void;
}

/** Files in the fixture dir (relative names, resolved against `dir`). */
export const F = {
  ca: 'ca.pem',
  clientPem: 'client.pem',
  clientKey: 'client.key',
  clientKeyEnc: 'client.key.enc.pem',
  brokerPem: 'broker.pem',
  brokerKey: 'broker.key',
  keystore: 'kafka.keystore.p12',
  truststore: 'kafka.truststore.p12',
  rc2Keystore: 'kafka.keystore.legacy-rc2.p12',
  otherCaTruststore: 'other-ca.truststore.p12',
  rc4Keystore: 'rc4.keystore.p12',
  emptyTruststore: 'empty.truststore.p12',
  mismatchKeystore: 'mismatch.keystore.p12',
  ecChainKeystore: 'ec-chain.keystore.p12',
  ecRootTruststore: 'ec-root.truststore.p12',
  notP12: 'not-a-store.p12',
  /** PKCS12 PBE with 3-key 3DES for key and certificates, SHA-1 MAC (OpenSSL 1.x's default; no legacy provider needed). */
  des3Keystore: 'des3.keystore.p12',
  /** PBES2 with AES-128 and a SHA-1 MAC. */
  aes128Keystore: 'aes128.keystore.p12',
  /** No MAC at all (`-nomac`): the password is checked by decryption alone. */
  noMacKeystore: 'nomac.keystore.p12',
  /** Re-written by keytool -importkeystore (Java 17: PBES2 AES-256 with 10,000 iterations, HmacPBESHA256); only when keytool exists. */
  javaKeystore: 'java.keystore.p12',
} as const;

const REPO = path.resolve(__dirname, '..', '..', '..');
const BASE_FILES = [F.ca, F.clientPem, F.clientKey, F.clientKeyEnc, F.brokerPem, F.brokerKey, F.keystore, F.truststore, F.otherCaTruststore];

function passEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_KEYSTORE_PASSWORD: FIXTURE_PASSWORDS.keystore,
    KAFKA_TRUSTSTORE_PASSWORD: FIXTURE_PASSWORDS.truststore,
    KAFKA_KEY_PASSWORD: FIXTURE_PASSWORDS.key,
  };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, env: passEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryScript(dir: string): boolean {
  const script = path.join(REPO, 'scripts', 'generate-ssl-certs.sh');
  if (!fs.existsSync(script)) return false;
  const r = spawnSync('bash', [script, '--out', dir, '--days', '400', '--rc2', '--other-ca', '--force'], {
    env: passEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return r.status === 0 && BASE_FILES.every((f) => fs.existsSync(path.join(dir, f)));
}

function rsaCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '800', '-subj', `/CN=${cn}`]);
}

function rsaLeaf(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '400', '-out', `${name}.pem`]);
}

/** The base set without the script: CA, client, broker, stores, an unrelated CA. */
function baseWithOpenssl(dir: string, legacy: boolean): void {
  rsaCa(dir, 'ca', 'fixture-ca');
  rsaLeaf(dir, 'client', 'wifi-scan-queue-consumer');
  rsaLeaf(dir, 'broker', 'localhost');
  openssl(dir, ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', F.clientKey, '-out', F.clientKeyEnc, '-passout', 'env:KAFKA_KEY_PASSWORD']);
  openssl(dir, ['pkcs12', '-export', '-in', F.clientPem, '-inkey', F.clientKey, '-certfile', F.ca, '-out', F.keystore, '-passout', 'env:KAFKA_KEYSTORE_PASSWORD']);
  openssl(dir, ['pkcs12', '-export', '-nokeys', '-in', F.ca, '-out', F.truststore, '-passout', 'env:KAFKA_TRUSTSTORE_PASSWORD']);
  if (legacy) {
    openssl(dir, ['pkcs12', '-export', '-legacy', '-in', F.clientPem, '-inkey', F.clientKey, '-out', F.rc2Keystore, '-passout', 'env:KAFKA_KEYSTORE_PASSWORD']);
  }
  rsaCa(dir, 'other-ca', 'unrelated-ca');
  openssl(dir, ['pkcs12', '-export', '-nokeys', '-in', 'other-ca.pem', '-out', F.otherCaTruststore, '-passout', 'env:KAFKA_TRUSTSTORE_PASSWORD']);
}

function legacyProviderWorks(dir: string): boolean {
  const r = spawnSync('openssl', ['list', '-providers', '-provider', 'legacy'], { cwd: dir, encoding: 'utf8' });
  return r.status === 0 && /legacy/i.test(r.stdout);
}

function writeP12(dir: string, file: string, asn1: forge.asn1.Asn1): void {
  fs.writeFileSync(path.join(dir, file), Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
}

/** EC P-256 root → intermediate → leaf; keystore = leaf + intermediate, truststore = root. */
function ecChain(dir: string): void {
  const ecKey = (name: string): void => openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  ecKey('ec-root');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ec-root.key', '-out', 'ec-root.pem', '-days', '800', '-subj', '/CN=fixture-ec-root']);
  ecKey('ec-int');
  openssl(dir, ['req', '-new', '-key', 'ec-int.key', '-subj', '/CN=fixture-ec-intermediate', '-out', 'ec-int.csr']);
  openssl(dir, ['x509', '-req', '-in', 'ec-int.csr', '-CA', 'ec-root.pem', '-CAkey', 'ec-root.key', '-CAcreateserial', '-days', '600', '-extfile', 'ca.ext', '-out', 'ec-int.pem']);
  ecKey('ec-leaf');
  openssl(dir, ['req', '-new', '-key', 'ec-leaf.key', '-subj', '/CN=fixture-ec-client', '-out', 'ec-leaf.csr']);
  openssl(dir, ['x509', '-req', '-in', 'ec-leaf.csr', '-CA', 'ec-int.pem', '-CAkey', 'ec-int.key', '-CAcreateserial', '-days', '400', '-out', 'ec-leaf.pem']);
  openssl(dir, ['pkcs12', '-export', '-in', 'ec-leaf.pem', '-inkey', 'ec-leaf.key', '-certfile', 'ec-int.pem', '-out', F.ecChainKeystore, '-passout', 'env:KAFKA_KEYSTORE_PASSWORD']);
  openssl(dir, ['pkcs12', '-export', '-nokeys', '-in', 'ec-root.pem', '-out', F.ecRootTruststore, '-passout', 'env:KAFKA_TRUSTSTORE_PASSWORD']);
}

/** The keystore re-written by Java's keytool, with Java's defaults; false when there is no keytool. */
function javaKeystore(dir: string): boolean {
  const r = spawnSync(
    'keytool',
    ['-importkeystore', '-noprompt', '-srckeystore', F.keystore, '-srcstoretype', 'PKCS12', '-srcstorepass:env', 'KAFKA_KEYSTORE_PASSWORD',
      '-destkeystore', F.javaKeystore, '-deststoretype', 'PKCS12', '-deststorepass:env', 'KAFKA_KEYSTORE_PASSWORD'],
    { cwd: dir, env: passEnv(), encoding: 'utf8', timeout: 60_000 },
  );
  return r.status === 0 && fs.existsSync(path.join(dir, F.javaKeystore));
}

export function createTlsFixtures(): TlsFixtures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsqc-tls-'));
  try {
    return generate(dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function generate(dir: string): TlsFixtures {
  const legacyAvailable = legacyProviderWorks(dir);
  // WSQC_TLS_FIXTURES=openssl exercises the fallback even where the script works.
  const generatedBy = process.env.WSQC_TLS_FIXTURES !== 'openssl' && tryScript(dir) ? 'script' : 'openssl';
  if (generatedBy === 'openssl') baseWithOpenssl(dir, legacyAvailable);

  if (legacyAvailable) {
    // RC4-128: an algorithm node-forge cannot decrypt -> TLS_LEGACY_PKCS12.
    openssl(dir, ['pkcs12', '-export', '-legacy', '-certpbe', 'PBE-SHA1-RC4-128', '-keypbe', 'PBE-SHA1-RC4-128', '-in', F.clientPem, '-inkey', F.clientKey, '-out', F.rc4Keystore, '-passout', 'env:KAFKA_KEYSTORE_PASSWORD']);
  }
  // openssl refuses to pair a key with a certificate it does not match, and to
  // write a store with nothing in it; node-forge writes both.
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  const clientCert = forge.pki.certificateFromPem(read(F.clientPem));
  const brokerKey = forge.pki.privateKeyFromPem(read(F.brokerKey));
  writeP12(dir, F.mismatchKeystore, forge.pkcs12.toPkcs12Asn1(brokerKey, [clientCert], FIXTURE_PASSWORDS.keystore, { algorithm: '3des' }));
  writeP12(dir, F.emptyTruststore, forge.pkcs12.toPkcs12Asn1(null, [], FIXTURE_PASSWORDS.truststore, { algorithm: '3des', generateLocalKeyId: false }));
  fs.writeFileSync(path.join(dir, F.notP12), 'this is not a PKCS12 file\n');
  ecChain(dir);
  const keystoreOf = (out: string, ...args: string[]): void =>
    openssl(dir, ['pkcs12', '-export', ...args, '-in', F.clientPem, '-inkey', F.clientKey, '-certfile', F.ca, '-out', out, '-passout', 'env:KAFKA_KEYSTORE_PASSWORD']);
  keystoreOf(F.des3Keystore, '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1');
  keystoreOf(F.aes128Keystore, '-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC', '-macalg', 'sha1');
  keystoreOf(F.noMacKeystore, '-nomac');
  const keytoolAvailable = javaKeystore(dir);

  return {
    dir,
    generatedBy,
    legacyAvailable,
    keytoolAvailable,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
