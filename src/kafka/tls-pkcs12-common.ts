/**
 * What both PKCS12 readers share: the decoded contents, the algorithm names
 * for messages, and the errors that must read the same whichever reader
 * decided (tls-pkcs12-native.ts first, tls-pkcs12-forge.ts as the fallback).
 */
import { TlsMaterialError } from '../errors';

export const REEXPORT_HINT = 'openssl pkcs12 -in old.p12 -legacy -nodes | openssl pkcs12 -export -out new.p12';

/** PKCS#12 PBE algorithms (RFC 7292 appendix C) by OID. */
export const PKCS12_PBE: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
};

export interface Pkcs12Contents {
  /** DER certificates, in file order. */
  readonly certs: Buffer[];
  /** PKCS#8 PrivateKeyInfo DER, in file order. */
  readonly keys: Buffer[];
  /** localKeyId (hex) of each key, to find its certificate; "" when absent. */
  readonly keyIds: string[];
  /** localKeyId (hex) of each certificate; "" when absent. */
  readonly certIds: string[];
  /** Set when the file uses RC2-40 (readable here, but not by OpenSSL 3 without -legacy). */
  readonly legacyAlgorithm?: string;
  /** Which reader decoded the file: node's crypto, or node-forge for what node cannot read. */
  readonly reader: 'native' | 'forge';
}

export function badPasswordError(file: string, role: string): TlsMaterialError {
  return new TlsMaterialError(
    'TLS_BAD_PASSWORD',
    `cannot open ${role} ${file}: wrong password (PKCS#12 integrity check failed); check kafka.tls.${role}Password`,
    file,
  );
}
