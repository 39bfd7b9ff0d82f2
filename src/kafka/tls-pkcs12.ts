/**
 * PKCS12 keystores and truststores: node's own crypto first
 * (tls-pkcs12-native.ts), node-forge only for what that does not decode
 * (tls-pkcs12-forge.ts: legacy RC2/RC4 encryption, BER, files that are not
 * PKCS12 at all, whose errors node-forge has always classified).
 *
 * node-forge is required lazily, on the first file that needs it: loading it
 * and decoding the development stores with its JavaScript KDFs cost ~0.23
 * CPU-seconds of a 0.9 CPU-second start-up (profile in the README section
 * "Start-up"); natively the same two stores take a few milliseconds. The
 * require is synchronous, not an `import()`, so loadTlsMaterial and the
 * certificate indicator's periodic re-read stay synchronous.
 */
import { TlsMaterialError } from '../errors';
import type * as ForgeReader from './tls-pkcs12-forge';
import { NotNative, readPkcs12Native } from './tls-pkcs12-native';
import type { Pkcs12Contents } from './tls-pkcs12-common';

export { REEXPORT_HINT, type Pkcs12Contents } from './tls-pkcs12-common';

/**
 * Decodes a PKCS12 file. `role` ("keystore", "truststore") and `file` go into
 * error messages; the password never does.
 */
export function readPkcs12(data: Buffer, password: string, file: string, role: string): Pkcs12Contents {
  if (data.length >= 4 && data.readUInt32BE(0) === 0xfeedfeed) {
    throw new TlsMaterialError(
      'TLS_INVALID_FORMAT',
      `${role} ${file} is a Java JKS keystore, not PKCS12; convert it: keytool -importkeystore -srckeystore ${file} -destkeystore new.p12 -deststoretype PKCS12`,
      file,
    );
  }
  try {
    return readPkcs12Native(data, password, file, role);
  } catch (err) {
    if (!(err instanceof NotNative)) throw err;
  }
  return forgeReader().readPkcs12WithForge(data, password, file, role);
}

let forgeModule: typeof ForgeReader | undefined;

function forgeReader(): typeof ForgeReader {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: see the file's opening comment
  forgeModule ??= require('./tls-pkcs12-forge') as typeof ForgeReader;
  return forgeModule;
}
