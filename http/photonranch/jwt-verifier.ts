import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importSPKI,
  importX509,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { PipelineJobsError, type ErrorCode } from '../../errors/index.js';

/** Where newjob's JWTs are checked against, and what they must say (`PJM_JWT_*`). */
export interface JwtOptions {
  /** A JWKS: a file path, or an http(s) URL fetched (and cached) by jose. */
  readonly jwks?: string;
  /** A PEM file: an X.509 certificate (Auth0's) or an SPKI public key. */
  readonly cert?: string;
  readonly audience: string;
  readonly issuer: string;
  /** The claim holding the caller's roles (Photon Ranch: `https://photonranch.org/user_metadata`). */
  readonly rolesClaim: string;
}

/** A caller whose JWT verified. */
export interface JwtCaller {
  /** The token's `sub` (empty when it has none). */
  readonly subject: string;
  readonly roles: readonly string[];
  /** True only when a role is exactly `admin` (the seed tested a substring of a JSON string). */
  readonly admin: boolean;
}

/** The only algorithm accepted: Auth0's RS256. Checked on the header before any key is chosen. */
const ALGORITHM = 'RS256';

type KeySource = CryptoKey | JWTVerifyGetKey;

function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): PipelineJobsError {
  return new PipelineJobsError(code, message, details);
}

/** The roles a claim value holds: a list of names, or an object with a `roles` list (Auth0 user metadata). */
export function rolesOf(value: unknown): string[] {
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)['roles']
      : undefined;
  return Array.isArray(list) ? list.filter((role): role is string => typeof role === 'string') : [];
}

/** jose's refusal as one of our codes; anything else (a JWKS URL that failed) is `jwt_keys_unavailable`. */
function translate(err: unknown, kid: string | undefined): PipelineJobsError {
  if (err instanceof errors.JWTExpired) return refusal('jwt_expired', 'the JWT has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
      case 'iat':
        return refusal('jwt_not_yet_valid', 'the JWT is not valid yet');
      case 'aud':
        return refusal('jwt_audience', 'the JWT is not issued for this audience');
      case 'iss':
        return refusal('jwt_issuer', 'the JWT is not from the configured issuer');
      default:
        return refusal('jwt_malformed', `the JWT's claim ${err.claim} is not valid`);
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return refusal('jwt_signature', 'the JWT signature does not verify');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return refusal('jwt_unknown_key', 'no key of the JWKS matches the JWT', { ...(kid !== undefined && { kid }) });
  if (err instanceof errors.JOSEAlgNotAllowed) return refusal('jwt_algorithm', 'the JWT must be signed with RS256');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported)
    return refusal('jwt_malformed', 'the bearer value is not a well-formed JWT');
  return refusal('jwt_keys_unavailable', 'the JWKS could not be read; retry later');
}

async function loadKeys(options: JwtOptions): Promise<KeySource> {
  if (options.jwks !== undefined && options.cert !== undefined)
    throw new PipelineJobsError('invalid_config', 'set PJM_JWT_JWKS or PJM_JWT_CERT, not both', {
      errors: [{ key: 'PJM_JWT_CERT', reason: 'is set together with PJM_JWT_JWKS' }],
    });
  if (options.jwks !== undefined) {
    if (/^https?:\/\//i.test(options.jwks)) return createRemoteJWKSet(new URL(options.jwks));
    const text = await readFile(options.jwks, 'utf8').catch((err: unknown) => {
      throw new PipelineJobsError('invalid_config', `PJM_JWT_JWKS: cannot read ${options.jwks}: ${String(err)}`, {
        errors: [{ key: 'PJM_JWT_JWKS', reason: 'cannot be read' }],
      });
    });
    try {
      return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
    } catch (err) {
      throw new PipelineJobsError('invalid_config', `PJM_JWT_JWKS: ${options.jwks} is not a JWKS: ${String(err)}`, {
        errors: [{ key: 'PJM_JWT_JWKS', reason: 'is not a JSON Web Key Set' }],
      });
    }
  }
  const path = options.cert ?? '';
  try {
    const pem = await readFile(path, 'utf8');
    return pem.includes('BEGIN CERTIFICATE') ? await importX509(pem, ALGORITHM) : await importSPKI(pem, ALGORITHM);
  } catch (err) {
    throw new PipelineJobsError('invalid_config', `PJM_JWT_CERT: ${path} is not a PEM certificate: ${String(err)}`, {
      errors: [{ key: 'PJM_JWT_CERT', reason: 'is not a readable PEM certificate or public key' }],
    });
  }
}

/**
 * Checks the RS256 bearer JWT of Photon Ranch's newjob with jose against a JWKS (file or URL) or
 * a PEM certificate: signature, `exp`, `nbf`, audience and issuer. Every refusal is a
 * `PipelineJobsError` with its own `jwt_*` code (401; 503 when the keys cannot be had).
 */
export class JwtVerifier {
  readonly #keys: KeySource | undefined;
  readonly #options: JwtOptions | undefined;

  private constructor(keys: KeySource | undefined, options: JwtOptions | undefined) {
    this.#keys = keys;
    this.#options = options;
  }

  /**
   * Loads the configured keys (a file now; a URL on first use). Without options every token is
   * refused `jwt_not_configured`. Throws `invalid_config` for a file that is not a key set or a certificate.
   */
  static async create(options: JwtOptions | undefined): Promise<JwtVerifier> {
    if (options === undefined || (options.jwks === undefined && options.cert === undefined))
      return new JwtVerifier(undefined, undefined);
    return new JwtVerifier(await loadKeys(options), options);
  }

  /** The caller of an `Authorization` header value, or a refusal (thrown `PipelineJobsError`). */
  async verify(authorization: string | undefined): Promise<JwtCaller> {
    const keys = this.#keys;
    const options = this.#options;
    if (keys === undefined || options === undefined)
      throw refusal('jwt_not_configured', 'newjob needs PJM_JWT_JWKS or PJM_JWT_CERT to check its callers');
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) throw refusal('jwt_missing', 'newjob needs Authorization: Bearer <JWT>');
    let alg: unknown;
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      alg = header.alg;
      kid = header.kid;
    } catch {
      throw refusal('jwt_malformed', 'the bearer value is not a well-formed JWT');
    }
    if (alg !== ALGORITHM)
      throw refusal('jwt_algorithm', 'the JWT must be signed with RS256', { alg: String(alg).slice(0, 16) });
    let payload: JWTPayload;
    try {
      // One call, written twice: jose overloads a key and a key-set function separately.
      const verified =
        typeof keys === 'function'
          ? await jwtVerify(token, keys, checks(options))
          : await jwtVerify(token, keys, checks(options));
      payload = verified.payload;
    } catch (err) {
      throw translate(err, kid);
    }
    const roles = rolesOf(payload[options.rolesClaim]);
    return { subject: typeof payload.sub === 'string' ? payload.sub : '', roles, admin: roles.includes('admin') };
  }
}

function checks(options: JwtOptions): { algorithms: string[]; audience: string; issuer: string } {
  return { algorithms: [ALGORITHM], audience: options.audience, issuer: options.issuer };
}
