import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  type CryptoKey,
  type JWTPayload,
} from 'jose';

/** The audience and issuer of the test tokens. */
export const AUDIENCE = 'photonranch-client';
export const ISSUER = 'https://photonranch.test/';
export const ROLES_CLAIM = 'https://photonranch.org/user_metadata';

/** What a test token changes from a valid one. */
export interface SignOptions {
  readonly kid?: string;
  readonly key?: CryptoKey;
  readonly expires?: number;
  readonly notBefore?: number;
  readonly audience?: string;
  readonly issuer?: string;
}

/** An RS256 key pair of a test identity provider, with its JWKS, PEM public key and files. */
export interface TestIdp {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwks: { keys: Record<string, unknown>[] };
  /** The public key, PEM (SPKI). */
  readonly publicPem: string;
  /** Files: the JWKS, the SPKI PEM, and an X.509 certificate of the key (made with openssl). */
  readonly files: { readonly jwks: string; readonly spki: string; readonly cert: string };
  /** A signed RS256 token: a valid 5-minute one, with `claims` added and `options` changed. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  close(): void;
}

/** A fresh test identity provider: keys made here, files in a private temp directory. */
export async function testIdp(kid = 'test-key-1'): Promise<TestIdp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const publicPem = await exportSPKI(publicKey);
  const dir = mkdtempSync(join(tmpdir(), 'pjm-jwt-'));
  const files = { jwks: join(dir, 'jwks.json'), spki: join(dir, 'public.pem'), cert: join(dir, 'cert.pem') };
  writeFileSync(files.jwks, JSON.stringify(jwks));
  writeFileSync(files.spki, publicPem);
  const keyFile = join(dir, 'private.pem');
  writeFileSync(keyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  execFileSync(
    'openssl',
    ['req', '-x509', '-key', keyFile, '-out', files.cert, '-subj', '/CN=pjm-test', '-days', '1'],
    {
      stdio: 'ignore',
    },
  );
  const signing = await importPKCS8(await exportPKCS8(privateKey), 'RS256');
  return {
    kid,
    privateKey: signing,
    jwks,
    publicPem,
    files,
    async sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ [ROLES_CLAIM]: { roles: ['observer'] }, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setSubject('auth0|ana')
        .setIssuedAt(now)
        .setExpirationTime(options.expires ?? now + 300);
      if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
      return jwt.sign(options.key ?? signing);
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
