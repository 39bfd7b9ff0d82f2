/**
 * The password-based cryptography of PKCS12 (RFC 7292), on node:crypto's
 * native primitives: the integrity MAC, PBES2 (PKCS #5 v2.1, RFC 8018) and
 * the PKCS12 PBE with 3-key triple DES. These are what OpenSSL 3
 * (`openssl pkcs12 -export`) and Java 12+ keytool write by default.
 *
 * Anything else (RC2, RC4, 2-key triple DES, PBMAC1, unknown OIDs) throws
 * DerUnsupported so the caller falls back to node-forge, which reads RC2-40
 * and names the rest as legacy (tls-pkcs12-forge.ts).
 *
 * Passwords: PBKDF2 takes the password's UTF-8 bytes (what OpenSSL and Java
 * pass); the PKCS12 KDF takes it as a BMPString, UTF-16 big-endian with two
 * zero bytes at the end (RFC 7292 appendix B.1).
 */
import { createDecipheriv, createHmac, hash, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { DerUnsupported, algorithm, bytes, children, expectTag, octets, oid, smallInt, TAG, type Tlv } from './tls-der';

/** Digest OIDs (RFC 8017 appendix B.1, NIST CSOR) → node name, output bytes (u), block bytes (v). */
const DIGESTS: Readonly<Record<string, { name: string; u: number; v: number }>> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

/** PBKDF2 PRFs (RFC 8018 appendix B.1.1-B.1.2). */
const HMAC_PRFS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** PBES2 encryption schemes (RFC 8018 appendix B.2; NIST CSOR for AES) → node cipher, key bytes. */
const PBES2_CIPHERS: Readonly<Record<string, { name: string; keyLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_PBE_SHA1_3DES = '1.2.840.113549.1.12.1.3';

/** Iteration counts above this are refused natively (a hostile file could ask for 2^40). */
const MAX_ITERATIONS = 10_000_000;

/** The decryption ran and failed (bad padding): the password is wrong. */
export class DecryptFailed extends Error {
  constructor() {
    super('decryption failed');
    this.name = 'DecryptFailed';
  }
}

function iterations(tlv: Tlv | undefined): number {
  const n = tlv === undefined ? 1 : smallInt(tlv);
  if (n < 1 || n > MAX_ITERATIONS) throw new DerUnsupported(`iteration count ${n}`);
  return n;
}

function bmpPassword(password: string): Buffer {
  const le = Buffer.from(`${password}\u0000`, 'utf16le');
  return le.swap16();
}

function repeatTo(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length) source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

/**
 * RFC 7292 appendix B.2: `id` 1 = key, 2 = IV, 3 = MAC key. `pw` is the
 * BMPString password (empty for "no password").
 */
export function pkcs12Kdf(digest: { name: string; u: number; v: number }, pw: Buffer, salt: Buffer, id: number, rounds: number, n: number): Buffer {
  const { name, u, v } = digest;
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([
    salt.length > 0 ? repeatTo(salt, v * Math.ceil(salt.length / v)) : Buffer.alloc(0),
    pw.length > 0 ? repeatTo(pw, v * Math.ceil(pw.length / v)) : Buffer.alloc(0),
  ]);
  const blocks = Math.ceil(n / u);
  const out = Buffer.alloc(blocks * u);
  for (let i = 0; i < blocks; i++) {
    let A = hash(name, Buffer.concat([D, I]), 'buffer');
    for (let r = 1; r < rounds; r++) A = hash(name, A, 'buffer');
    A.copy(out, i * u);
    if (i + 1 === blocks) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block I_j of I, B = A repeated to v bytes.
    const B = repeatTo(A, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out.subarray(0, n);
}

/**
 * MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
 * (RFC 7292 section 4). True when the MAC over `authSafe` checks out with `password`.
 */
export function macMatches(macData: Tlv, authSafe: Buffer, password: string): boolean {
  const [digestInfo, saltTlv, iterTlv] = children(expectTag(macData, TAG.SEQUENCE));
  if (!digestInfo || !saltTlv) throw new DerUnsupported('incomplete MacData');
  const [algTlv, digestTlv] = children(expectTag(digestInfo, TAG.SEQUENCE));
  if (!algTlv || !digestTlv) throw new DerUnsupported('incomplete DigestInfo');
  const alg = algorithm(algTlv);
  const digest = DIGESTS[alg.oid];
  if (!digest) throw new DerUnsupported(`MAC algorithm ${alg.oid}`);
  const expected = bytes(expectTag(digestTlv, TAG.OCTET_STRING));
  const salt = bytes(expectTag(saltTlv, TAG.OCTET_STRING));
  const rounds = iterations(iterTlv);
  // An empty password is ambiguous in PKCS12: writers use either the empty
  // BMPString (two zero bytes) or no bytes at all; OpenSSL tries both.
  const candidates = password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)];
  return candidates.some((pw) => {
    const key = pkcs12Kdf(digest, pw, salt, 3, rounds, digest.u);
    const mac = createHmac(digest.name, key).update(authSafe).digest();
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  });
}

/** Decrypts `data` under the AlgorithmIdentifier `alg` (an EncryptedContentInfo's or an EncryptedPrivateKeyInfo's). */
export function decrypt(alg: Tlv, data: Buffer, password: string): Buffer {
  const { oid: id, params } = algorithm(alg);
  let cipher: string;
  let key: Buffer;
  let iv: Buffer;
  if (id === OID_PBES2 && params) {
    ({ cipher, key, iv } = pbes2(params, password));
  } else if (id === OID_PBE_SHA1_3DES && params) {
    const [saltTlv, iterTlv] = children(expectTag(params, TAG.SEQUENCE));
    if (!saltTlv) throw new DerUnsupported('PBE parameters without a salt');
    const salt = bytes(expectTag(saltTlv, TAG.OCTET_STRING));
    const rounds = iterations(iterTlv);
    const sha1 = DIGESTS['1.3.14.3.2.26'];
    const pw = bmpPassword(password);
    cipher = 'des-ede3-cbc';
    key = pkcs12Kdf(sha1, pw, salt, 1, rounds, 24);
    iv = pkcs12Kdf(sha1, pw, salt, 2, rounds, 8);
  } else {
    throw new DerUnsupported(`encryption algorithm ${id}`);
  }
  try {
    const decipher = createDecipheriv(cipher, key, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new DecryptFailed();
  }
}

/** PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier } (RFC 8018 A.4). */
function pbes2(params: Tlv, password: string): { cipher: string; key: Buffer; iv: Buffer } {
  const [kdfTlv, schemeTlv] = children(expectTag(params, TAG.SEQUENCE));
  if (!kdfTlv || !schemeTlv) throw new DerUnsupported('incomplete PBES2 parameters');
  const kdf = algorithm(kdfTlv);
  const scheme = algorithm(schemeTlv);
  const cipher = PBES2_CIPHERS[scheme.oid];
  if (kdf.oid !== OID_PBKDF2 || !kdf.params) throw new DerUnsupported(`PBES2 key derivation ${kdf.oid}`);
  if (!cipher || !scheme.params) throw new DerUnsupported(`PBES2 encryption scheme ${scheme.oid}`);
  // PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf DEFAULT hmacWithSHA1 }
  const fields = children(expectTag(kdf.params, TAG.SEQUENCE));
  const [saltTlv, iterTlv] = fields;
  if (!saltTlv || !iterTlv) throw new DerUnsupported('incomplete PBKDF2 parameters');
  const salt = bytes(expectTag(saltTlv, TAG.OCTET_STRING));
  const rest = fields.slice(2);
  const keyLengthTlv = rest.find((f) => f.tag === TAG.INTEGER);
  const prfTlv = rest.find((f) => f.tag === TAG.SEQUENCE);
  const prf = prfTlv ? HMAC_PRFS[algorithm(prfTlv).oid] : 'sha1';
  if (!prf) throw new DerUnsupported(`PBKDF2 PRF ${prfTlv ? oid(children(prfTlv)[0]) : ''}`);
  if (keyLengthTlv && smallInt(keyLengthTlv) !== cipher.keyLength) throw new DerUnsupported('PBKDF2 key length does not fit the cipher');
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations(iterTlv), cipher.keyLength, prf);
  return { cipher: cipher.name, key, iv: octets(scheme.params) };
}
