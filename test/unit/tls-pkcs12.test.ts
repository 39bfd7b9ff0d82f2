/**
 * The native PKCS12 reader against node-forge on the same files: the same
 * certificates, keys and key ids, for every store the fixtures make that both
 * can read; the legacy ones go to node-forge; node-forge is not loaded at all
 * for the stores OpenSSL 3 and Java write today. The KDF is checked against
 * node-forge's implementation of RFC 7292 appendix B.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { TlsMaterialError } from '../../src/errors';
import { readPkcs12 } from '../../src/kafka/tls-pkcs12';
import type { Pkcs12Contents } from '../../src/kafka/tls-pkcs12-common';
import { pkcs12Kdf } from '../../src/kafka/tls-pkcs12-crypto';
import { readPkcs12WithForge } from '../../src/kafka/tls-pkcs12-forge';
import { NotNative, readPkcs12Native } from '../../src/kafka/tls-pkcs12-native';
import { F, FIXTURE_PASSWORDS, createTlsFixtures, type TlsFixtures } from '../support/tls-fixtures';

/** Keys compared by what they are, not by how each reader re-encoded them. */
function normalised(c: Pkcs12Contents): object {
  return {
    certs: c.certs.map((d) => d.toString('base64')),
    keys: c.keys.map((d) => createPrivateKey({ key: d, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'der' }).toString('base64')),
    keyIds: c.keyIds,
    certIds: c.certIds,
  };
}

describe('PKCS12: the native reader and its node-forge fallback', function () {
  let fx: TlsFixtures;
  before(function () {
    this.timeout(180_000);
    fx = createTlsFixtures();
  });
  after(() => fx?.cleanup());

  const read = (f: string): Buffer => fs.readFileSync(path.join(fx.dir, f));
  const keystores = [F.keystore, F.mismatchKeystore, F.ecChainKeystore, F.des3Keystore, F.aes128Keystore, F.noMacKeystore];
  const truststores = [F.truststore, F.otherCaTruststore, F.emptyTruststore, F.ecRootTruststore];
  const cases = (): Array<[string, string]> => [
    ...keystores.map((f): [string, string] => [f, FIXTURE_PASSWORDS.keystore]),
    ...(fx.keytoolAvailable ? [[F.javaKeystore, FIXTURE_PASSWORDS.keystore] as [string, string]] : []),
    ...truststores.map((f): [string, string] => [f, FIXTURE_PASSWORDS.truststore]),
  ];

  it('reads every modern store natively, with the same contents node-forge finds', function () {
    if (!fx.keytoolAvailable) console.log('      (no keytool: the Java-written keystore is not among the cases)');
    for (const [file, password] of cases()) {
      const native = readPkcs12Native(read(file), password, file, 'keystore');
      const viaForge = readPkcs12WithForge(read(file), password, file, 'keystore');
      expect(native.reader, file).to.equal('native');
      expect(normalised(native), file).to.deep.equal(normalised(viaForge));
      expect(readPkcs12(read(file), password, file, 'keystore').reader, file).to.equal('native');
    }
  });

  it('finds the key and the certificates it should (not just the same as node-forge)', () => {
    const ks = readPkcs12Native(read(F.keystore), FIXTURE_PASSWORDS.keystore, F.keystore, 'keystore');
    expect(ks.keys).to.have.length(1);
    expect(ks.certs).to.have.length(2); // client + CA (-certfile)
    expect(ks.keyIds[0]).to.not.equal('');
    expect(ks.certIds).to.include(ks.keyIds[0]);
    const ts = readPkcs12Native(read(F.truststore), FIXTURE_PASSWORDS.truststore, F.truststore, 'truststore');
    expect(ts.keys).to.deep.equal([]);
    expect(ts.certs).to.have.length(1);
  });

  it('a wrong password is TLS_BAD_PASSWORD from the MAC, naming the file and the password setting', () => {
    for (const [file, role] of [[F.keystore, 'keystore'], [F.truststore, 'truststore'], [F.des3Keystore, 'keystore']] as const) {
      let caught: unknown;
      try {
        readPkcs12Native(read(file), 'not-the-password', file, role);
      } catch (err) {
        caught = err;
      }
      expect(caught, file).to.be.instanceOf(TlsMaterialError);
      expect((caught as TlsMaterialError).code).to.equal('TLS_BAD_PASSWORD');
      expect((caught as Error).message).to.include(file).and.include(`kafka.tls.${role}Password`).and.not.include('not-the-password');
    }
  });

  it('a store without a MAC and a wrong password is left to node-forge, which names it TLS_BAD_PASSWORD', () => {
    expect(() => readPkcs12Native(read(F.noMacKeystore), 'not-the-password', F.noMacKeystore, 'keystore')).to.throw(NotNative);
    expect(() => readPkcs12(read(F.noMacKeystore), 'not-the-password', F.noMacKeystore, 'keystore'))
      .to.throw(TlsMaterialError)
      .with.property('code', 'TLS_BAD_PASSWORD');
  });

  it('legacy RC2-40 encryption goes to node-forge (OpenSSL 3 has no RC2 without its legacy provider)', function () {
    if (!fs.existsSync(path.join(fx.dir, F.rc2Keystore))) this.skip();
    const data = read(F.rc2Keystore);
    expect(() => readPkcs12Native(data, FIXTURE_PASSWORDS.keystore, F.rc2Keystore, 'keystore')).to.throw(NotNative, /encryption algorithm 1\.2\.840\.113549\.1\.12\.1\.6/);
    const got = readPkcs12(data, FIXTURE_PASSWORDS.keystore, F.rc2Keystore, 'keystore');
    expect(got.reader).to.equal('forge');
    expect(got.legacyAlgorithm).to.equal('pbeWithSHAAnd40BitRC2-CBC');
  });

  it('a file that is not PKCS12, or is cut short, goes to node-forge, which classifies it as before', () => {
    expect(() => readPkcs12Native(read(F.notP12), 'x', F.notP12, 'keystore')).to.throw(NotNative);
    expect(() => readPkcs12(read(F.notP12), 'x', F.notP12, 'keystore'))
      .to.throw(TlsMaterialError)
      .with.property('code', 'TLS_INVALID_FORMAT');
    const truncated = read(F.keystore).subarray(0, 300);
    expect(() => readPkcs12Native(truncated, FIXTURE_PASSWORDS.keystore, 'cut.p12', 'keystore')).to.throw(NotNative);
    // node-forge reads what is there and its MAC check then fails: a TlsMaterialError naming the file.
    expect(() => readPkcs12(truncated, FIXTURE_PASSWORDS.keystore, 'cut.p12', 'keystore'))
      .to.throw(TlsMaterialError, /cut\.p12/);
  });

  it('node-forge is not even loaded for today\'s stores, and is loaded for a legacy one', function () {
    this.timeout(20_000);
    const probe = (file: string): string => {
      const script = `
        const { readPkcs12 } = require(${JSON.stringify(path.resolve(__dirname, '../../src/kafka/tls-pkcs12.js'))});
        const fs = require('node:fs');
        const r = readPkcs12(fs.readFileSync(${JSON.stringify(path.join(fx.dir, file))}), ${JSON.stringify(FIXTURE_PASSWORDS.keystore)}, 'f', 'keystore');
        const forge = Object.keys(require.cache).some((k) => k.includes('node-forge'));
        process.stdout.write(r.reader + ' ' + (forge ? 'forge-loaded' : 'forge-not-loaded'));`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout;
    };
    expect(probe(F.keystore)).to.equal('native forge-not-loaded');
    if (fs.existsSync(path.join(fx.dir, F.rc2Keystore))) expect(probe(F.rc2Keystore)).to.equal('forge forge-loaded');
  });

  it('pkcs12Kdf equals node-forge\'s RFC 7292 appendix B KDF (key, IV and MAC ids; SHA-1 and SHA-256; several blocks)', () => {
    const sha1 = { name: 'sha1', u: 20, v: 64 };
    const sha256 = { name: 'sha256', u: 32, v: 64 };
    const bmp = (s: string): Buffer => Buffer.from(`${s}\u0000`, 'utf16le').swap16();
    for (const [digest, md] of [[sha1, () => forge.md.sha1.create()], [sha256, () => forge.md.sha256.create()]] as const) {
      for (const [id, n, iter] of [[1, 24, 2048], [2, 8, 1], [3, digest.u, 3], [1, 70, 5]]) {
        const salt = Buffer.from('0a58cf64530d823f0a58cf64', 'hex');
        const ours = pkcs12Kdf(digest, bmp('sécret-ü'), salt, id, iter, n);
        const theirs = forge.pkcs12.generateKey('sécret-ü', forge.util.createBuffer(salt.toString('binary')), id, iter, n, md());
        expect(ours.toString('hex'), `${digest.name} id ${id} n ${n}`).to.equal(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
      }
    }
  });
});
