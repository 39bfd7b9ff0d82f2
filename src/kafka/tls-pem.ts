/**
 * PEM client certificate, private key (optionally encrypted) and CA files.
 * Parsing is Node's own (crypto.X509Certificate, crypto.createPrivateKey), so
 * any key type OpenSSL reads works. Errors name the file, never the password.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { TlsMaterialError } from '../errors';

/** A PEM armor line (RFC 7468), built from its label. */
const armor = (edge: 'BEGIN' | 'END', label: string): string => `-----${edge} ${label}-----`;
const CERT_BLOCK = new RegExp(`${armor('BEGIN', 'CERTIFICATE')}[\\s\\S]+?${armor('END', 'CERTIFICATE')}`, 'g');
/** PKCS#8 encrypted keys, and the traditional OpenSSL encrypted format. */
const ENCRYPTED = new RegExp(`${armor('BEGIN', 'ENCRYPTED PRIVATE KEY')}|Proc-Type:\\s*4,\\s*ENCRYPTED`);

/** Whether a PEM private key file is encrypted (needs a passphrase). */
export function isEncryptedPemKey(text: string): boolean {
  return ENCRYPTED.test(text);
}

/** Every certificate in a PEM bundle, in order; an empty list when there is none. */
export function parsePemCertificates(text: string, file: string, role: string): X509Certificate[] {
  return (text.match(CERT_BLOCK) ?? []).map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TlsMaterialError('TLS_INVALID_FORMAT', `${role} ${file}: certificate #${i + 1} cannot be parsed (${(err as Error).message})`, file);
    }
  });
}

/** The private key of a PEM file, decrypted with `password` when the file is encrypted. */
export function parsePemKey(text: string, password: string, file: string, passwordSetting: string): KeyObject {
  const encrypted = isEncryptedPemKey(text);
  if (encrypted && password === '') {
    throw new TlsMaterialError('TLS_BAD_PASSWORD', `private key ${file} is encrypted and ${passwordSetting} is empty`, file);
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', ...(password !== '' ? { passphrase: password } : {}) });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (encrypted) {
      // OpenSSL reports a wrong passphrase as "bad decrypt", or as a decoder failure when the padding happens to check out.
      throw new TlsMaterialError('TLS_BAD_PASSWORD', `cannot decrypt private key ${file}: wrong ${passwordSetting} (${e.code ?? e.message})`, file);
    }
    throw new TlsMaterialError('TLS_INVALID_FORMAT', `${file} holds no readable private key (${e.code ?? e.message})`, file);
  }
}
