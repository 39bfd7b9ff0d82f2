import { expect } from 'chai';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { TlsConfig } from '../../src/config/types';
import { TlsMaterialError } from '../../src/errors';
import { loadTlsMaterial, type TlsMaterial } from '../../src/kafka/tls';
import { REEXPORT_HINT } from '../../src/kafka/tls-pkcs12';
import type { Logger, LogMeta } from '../../src/logging/types';
import { F, FIXTURE_PASSWORDS, createTlsFixtures, type TlsFixtures } from '../support/tls-fixtures';

/** The public half of a PEM private key, as SPKI PEM (parsing proves the key is usable). */
function publicKeyOf(keyPem: string): string | Buffer {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'pem' });
}

interface Line {
  level: string;
  message: string;
  meta?: LogMeta;
}

function recordingLogger(lines: Line[] = []): Logger & { lines: Line[] } {
  const at = (level: string) => (message: string, meta?: LogMeta) => {
    lines.push({ level, message, meta });
  };
  const logger = { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => logger };
  return logger;
}

const SECRETS = Object.values(FIXTURE_PASSWORDS);

describe('loadTlsMaterial', function () {
  let fx: TlsFixtures;

  before(function () {
    this.timeout(180_000);
    fx = createTlsFixtures();
  });
  after(() => fx?.cleanup());

  const cfg = (over: Partial<TlsConfig> = {}): TlsConfig => ({
    enabled: true,
    keystoreType: 'pkcs12',
    keystorePath: F.keystore,
    keystorePassword: FIXTURE_PASSWORDS.keystore,
    truststorePath: F.truststore,
    truststorePassword: FIXTURE_PASSWORDS.truststore,
    certPath: F.clientPem,
    keyPath: F.clientKeyEnc,
    keyPassword: FIXTURE_PASSWORDS.key,
    caPath: F.ca,
    servername: '',
    insecureSkipVerify: false,
    resourceRoot: fx.dir,
    ...over,
  });

  const load = (over: Partial<TlsConfig> = {}, now?: Date, logger = recordingLogger()): TlsMaterial =>
    loadTlsMaterial(cfg(over), { logger, now });

  /** Runs `fn`, expects a TlsMaterialError with `code` that names `file` and leaks no password. */
  function expectFailure(fn: () => unknown, code: string, file: string): TlsMaterialError {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught, `expected ${code}`).to.be.instanceOf(TlsMaterialError);
    const err = caught as TlsMaterialError;
    expect(err.code).to.equal(code);
    expect(err.retriable).to.equal(false);
    expect(err.message).to.include(path.join(fx.dir, file));
    expect(err.file).to.equal(path.join(fx.dir, file));
    for (const secret of SECRETS) expect(err.message).not.to.include(secret);
    return err;
  }

  const clientFingerprint = (): string => new X509Certificate(fs.readFileSync(path.join(fx.dir, F.clientPem))).fingerprint256;

  describe('valid material', () => {
    it('reads a PKCS12 keystore and a certificate-only PKCS12 truststore', () => {
      const logger = recordingLogger();
      const m = load({}, undefined, logger);
      expect(m.ca).to.have.length(1);
      // what Node's TLS will be given must parse, and the key must be the certificate's
      expect(new X509Certificate(m.ca[0]).subject).to.include('CN=');
      expect(publicKeyOf(m.key)).to.equal(new X509Certificate(m.cert).publicKey.export({ type: 'spki', format: 'pem' }));
      expect(m.minVersion).to.equal('TLSv1.2');
      expect(m.rejectUnauthorized).to.equal(true);
      expect(m).not.to.have.property('servername'); // kafkajs then uses the broker host
      expect(m.summary.subject).to.include('CN=wifi-scan-queue-consumer');
      expect(m.summary.fingerprint).to.equal(clientFingerprint());
      expect(m.summary.trustedCas).to.equal(1);
      expect(m.summary.anchor).to.not.equal('');
      expect(Date.parse(m.summary.notAfter)).to.be.greaterThan(Date.now());
      expect(logger.lines.filter((l) => l.level === 'warn')).to.deep.equal([]);
    });

    it('keeps secrets out of the summary', () => {
      const text = JSON.stringify(load().summary);
      for (const secret of SECRETS) expect(text).not.to.include(secret);
      expect(text).not.to.match(/-{5}BEGIN/);
    });

    it('passes a configured servername through', () => {
      expect(load({ servername: 'localhost' }).servername).to.equal('localhost');
    });

    it('resolves relative paths against resourceRoot and accepts absolute ones', () => {
      const m = load({ keystorePath: path.join(fx.dir, F.keystore), resourceRoot: '/nonexistent-root', truststorePath: path.join(fx.dir, F.truststore) });
      expect(m.summary.keystore).to.equal(path.join(fx.dir, F.keystore));
    });

    it('reads PEM files with an encrypted PKCS#8 key', () => {
      const m = load({ keystoreType: 'pem' });
      expect(m.summary.source).to.equal('pem');
      expect(m.summary.fingerprint).to.equal(clientFingerprint());
      expect(publicKeyOf(m.key)).to.equal(new X509Certificate(m.cert).publicKey.export({ type: 'spki', format: 'pem' }));
    });

    it('reads PEM files with an unencrypted key', () => {
      expect(load({ keystoreType: 'pem', keyPath: F.clientKey, keyPassword: '' }).summary.fingerprint).to.equal(clientFingerprint());
    });

    it('reads EC keys and sends the intermediate that links the client to the truststore root', () => {
      const m = load({ keystorePath: F.ecChainKeystore, truststorePath: F.ecRootTruststore });
      expect(m.summary.subject).to.equal('CN=fixture-ec-client');
      expect(m.summary.intermediates).to.equal(1);
      expect(m.summary.anchor).to.equal('CN=fixture-ec-root');
      expect(m.cert.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
    });

    it('gives options that complete a mutual-TLS handshake', async () => {
      const m = load();
      const read = (f: string): Buffer => fs.readFileSync(path.join(fx.dir, f));
      const server = tls.createServer({ key: read(F.brokerKey), cert: read(F.brokerPem), ca: [read(F.ca)], requestCert: true, rejectUnauthorized: true });
      const peerCn = new Promise<string>((resolve) => {
        server.on('secureConnection', (socket) => {
          resolve(String(socket.getPeerCertificate().subject?.CN));
          socket.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const { summary: _summary, ...options } = m;
        const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
        await new Promise<void>((resolve, reject) => {
          client.once('secureConnect', resolve);
          client.once('error', reject);
        });
        expect(client.authorized).to.equal(true);
        expect(await peerCn).to.equal('wifi-scan-queue-consumer');
        client.destroy();
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('failures name the file and the cause, never the password', () => {
    it('TLS_FILE_UNREADABLE: missing keystore', () => {
      const err = expectFailure(() => load({ keystorePath: 'missing.p12' }), 'TLS_FILE_UNREADABLE', 'missing.p12');
      expect(err.message).to.include('ENOENT');
    });

    it('TLS_FILE_UNREADABLE: missing truststore', () => {
      expectFailure(() => load({ truststorePath: 'missing-trust.p12' }), 'TLS_FILE_UNREADABLE', 'missing-trust.p12');
    });

    it('TLS_FILE_UNREADABLE: missing PEM certificate', () => {
      expectFailure(() => load({ keystoreType: 'pem', certPath: 'missing.pem' }), 'TLS_FILE_UNREADABLE', 'missing.pem');
    });

    it('TLS_BAD_PASSWORD: wrong keystore password', () => {
      const err = expectFailure(() => load({ keystorePassword: 'not-the-password' }), 'TLS_BAD_PASSWORD', F.keystore);
      expect(err.message).to.include('kafka.tls.keystorePassword').and.not.include('not-the-password');
    });

    it('TLS_BAD_PASSWORD: wrong truststore password', () => {
      const err = expectFailure(() => load({ truststorePassword: 'not-the-password' }), 'TLS_BAD_PASSWORD', F.truststore);
      expect(err.message).to.include('kafka.tls.truststorePassword');
    });

    it('TLS_BAD_PASSWORD: wrong PEM key password', () => {
      expectFailure(() => load({ keystoreType: 'pem', keyPassword: 'not-the-password' }), 'TLS_BAD_PASSWORD', F.clientKeyEnc);
    });

    it('TLS_BAD_PASSWORD: encrypted PEM key without a password', () => {
      const err = expectFailure(() => load({ keystoreType: 'pem', keyPassword: '' }), 'TLS_BAD_PASSWORD', F.clientKeyEnc);
      expect(err.message).to.include('kafka.tls.keyPassword is empty');
    });

    it('legacy RC2-40 keystore: read (node-forge decrypts it), with a warning carrying the re-export hint', function () {
      if (!fs.existsSync(path.join(fx.dir, F.rc2Keystore))) this.skip();
      const logger = recordingLogger();
      const m = load({ keystorePath: F.rc2Keystore }, undefined, logger);
      expect(m.summary.legacyPkcs12).to.equal(true);
      expect(m.summary.fingerprint).to.equal(clientFingerprint());
      const warn = logger.lines.find((l) => l.level === 'warn' && /legacy/.test(l.message));
      expect(warn?.meta).to.include({ hint: REEXPORT_HINT, algorithm: 'pbeWithSHAAnd40BitRC2-CBC' });
    });

    it('TLS_LEGACY_PKCS12: a legacy algorithm node-forge cannot read (RC4-128), with the re-export hint', function () {
      if (!fx.legacyAvailable) this.skip();
      const err = expectFailure(() => load({ keystorePath: F.rc4Keystore }), 'TLS_LEGACY_PKCS12', F.rc4Keystore);
      expect(err.message).to.include('pbeWithSHAAnd128BitRC4').and.include(REEXPORT_HINT);
    });

    it('TLS_INVALID_FORMAT: a file that is not PKCS12', () => {
      expectFailure(() => load({ keystorePath: F.notP12 }), 'TLS_INVALID_FORMAT', F.notP12);
    });

    it('TLS_NO_PRIVATE_KEY: a truststore given as the keystore', () => {
      expectFailure(() => load({ keystorePath: F.truststore, keystorePassword: FIXTURE_PASSWORDS.truststore }), 'TLS_NO_PRIVATE_KEY', F.truststore);
    });

    it('TLS_KEY_MISMATCH: PKCS12 whose key does not belong to its certificate', () => {
      expectFailure(() => load({ keystorePath: F.mismatchKeystore }), 'TLS_KEY_MISMATCH', F.mismatchKeystore);
    });

    it('TLS_KEY_MISMATCH: PEM key of another certificate', () => {
      const err = expectFailure(() => load({ keystoreType: 'pem', keyPath: F.brokerKey, keyPassword: '' }), 'TLS_KEY_MISMATCH', F.brokerKey);
      expect(err.message).to.include(path.join(fx.dir, F.clientPem));
    });

    it('TLS_UNTRUSTED_CHAIN: client certificate not signed by a truststore CA', () => {
      const err = expectFailure(() => load({ truststorePath: F.otherCaTruststore }), 'TLS_UNTRUSTED_CHAIN', F.keystore);
      expect(err.message).to.include(path.join(fx.dir, F.otherCaTruststore));
    });

    it('TLS_CERT_EXPIRED: names the expiry date', () => {
      const notAfter = new X509Certificate(fs.readFileSync(path.join(fx.dir, F.clientPem))).validTo;
      const later = new Date(Date.parse(notAfter) + 24 * 3600 * 1000);
      const err = expectFailure(() => load({}, later), 'TLS_CERT_EXPIRED', F.keystore);
      expect(err.message).to.include(new Date(notAfter).toISOString());
    });

    it('TLS_CERT_NOT_YET_VALID: names the start date', () => {
      const notBefore = new X509Certificate(fs.readFileSync(path.join(fx.dir, F.clientPem))).validFrom;
      const earlier = new Date(Date.parse(notBefore) - 24 * 3600 * 1000);
      const err = expectFailure(() => load({}, earlier), 'TLS_CERT_NOT_YET_VALID', F.keystore);
      expect(err.message).to.include(new Date(notBefore).toISOString());
    });

    it('TLS_EMPTY_TRUSTSTORE: a truststore without certificates', () => {
      expectFailure(() => load({ truststorePath: F.emptyTruststore }), 'TLS_EMPTY_TRUSTSTORE', F.emptyTruststore);
    });

    it('TLS_EMPTY_TRUSTSTORE: a PEM CA file without certificates', () => {
      expectFailure(() => load({ keystoreType: 'pem', caPath: F.clientKey }), 'TLS_EMPTY_TRUSTSTORE', F.clientKey);
    });
  });

  describe('warnings', () => {
    it('insecureSkipVerify: rejectUnauthorized=false, a loud warning, and truststore problems only warn', () => {
      const logger = recordingLogger();
      const m = load({ insecureSkipVerify: true, truststorePath: F.otherCaTruststore }, undefined, logger);
      expect(m.rejectUnauthorized).to.equal(false);
      const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
      expect(warnings.some((w) => /INSECURE/.test(w) && /insecureSkipVerify/.test(w))).to.equal(true);
      expect(warnings.some((w) => /does not chain/.test(w))).to.equal(true);
    });

    it('warns when the client certificate expires within 30 days', () => {
      const notAfter = Date.parse(new X509Certificate(fs.readFileSync(path.join(fx.dir, F.clientPem))).validTo);
      const logger = recordingLogger();
      load({}, new Date(notAfter - 10 * 24 * 3600 * 1000), logger);
      expect(logger.lines.some((l) => l.level === 'warn' && /expires soon/.test(l.message))).to.equal(true);
    });
  });
});
