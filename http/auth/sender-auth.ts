import type { FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { nonceCovers, parseNonce } from '../../model/nonce-value.js';
import type { NonceRecord, NonceScope, NonceStore } from '../../ports/nonce-store.js';
import type { ApiTokens } from './api-tokens.js';

/** Who sent a call, once the credential it carries has been checked. */
export type Sender =
  /** A valid `Authorization: Bearer` token: admin rights. */
  | { readonly kind: 'admin' }
  /** An `x-nonce`, not yet counted: {@link SenderAuth.spend} counts the use just before publishing. */
  | { readonly kind: 'nonce'; readonly id: string; readonly hash: string; readonly value: string }
  /** No credential, accepted because the server runs open and the caller is on loopback. */
  | { readonly kind: 'open' }
  /** A user an identity provider vouched for: a verified JWT (Photon Ranch's newjob); its subject. */
  | { readonly kind: 'user'; readonly subject: string };

/**
 * The sender as a credential identity (`JobDocument.creator`): `admin`, `nonce:<id>`, `jwt:<subject>` or
 * `loopback` — every caller an open server accepts without a credential is one party.
 */
export function credentialOf(sender: Sender): string {
  switch (sender.kind) {
    case 'admin':
      return 'admin';
    case 'nonce':
      return `nonce:${sender.id}`;
    case 'open':
      return 'loopback';
    case 'user':
      return `jwt:${sender.subject}`;
  }
}

/** What kind of call a credential must cover. */
export type Need = Exclude<NonceScope, 'all'>;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Sender authentication of the bridge: a bearer token (admins, UIs), else an `x-nonce` (query
 * parameter or header, for Agave and Slurm, which cannot send headers of their choosing), else —
 * only when the server runs open and the caller is on loopback — nothing. The per-job token is
 * checked separately and always.
 */
export class SenderAuth {
  readonly #tokens: ApiTokens;
  readonly #nonces: NonceStore;
  readonly #requireSender: boolean;

  constructor(options: { readonly tokens: ApiTokens; readonly nonces: NonceStore; readonly requireSender: boolean }) {
    this.#tokens = options.tokens;
    this.#nonces = options.nonces;
    this.#requireSender = options.requireSender;
  }

  /** Whether callers without credentials are accepted from loopback. */
  get open(): boolean {
    return !this.#requireSender;
  }

  /**
   * Reads the call's credential. Throws `credentials_invalid` for an unknown bearer token,
   * `nonce_invalid` for a malformed nonce and `credentials_missing` when none is there and one is
   * needed. A nonce is only recognised here; it is counted by {@link spend}.
   */
  identify(request: FastifyRequest): Sender {
    const authorization = single(request.headers.authorization);
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (bearer === undefined || !this.#tokens.accepts(bearer))
        throw new PipelineJobsError('credentials_invalid', 'the bearer token is not valid');
      return { kind: 'admin' };
    }
    const query = request.query as Record<string, unknown> | undefined;
    const value = single(query?.['x-nonce']) ?? single(request.headers['x-nonce']);
    if (value !== undefined) {
      const parsed = parseNonce(value);
      if (parsed === undefined) throw new PipelineJobsError('nonce_invalid', 'the x-nonce is not a valid nonce');
      return { kind: 'nonce', ...parsed, value };
    }
    if (!this.#requireSender && LOOPBACK.test(request.socket.remoteAddress ?? '')) return { kind: 'open' };
    throw new PipelineJobsError(
      'credentials_missing',
      'this call needs a sender credential: Authorization: Bearer <token> or an x-nonce',
      {
        accepted: ['Authorization: Bearer', 'x-nonce'],
      },
    );
  }

  /** Throws unless `sender` is an admin: `credentials_missing` without a credential, `forbidden` with a nonce. */
  requireAdmin(sender: Sender, what: string): void {
    if (sender.kind === 'admin') return;
    if (sender.kind === 'open')
      throw new PipelineJobsError('credentials_missing', `${what} needs Authorization: Bearer <admin token>`, {
        accepted: ['Authorization: Bearer'],
      });
    throw new PipelineJobsError('forbidden', `${what} needs an admin bearer token, not a nonce`, { need: 'admin' });
  }

  /**
   * Throws unless the caller may read jobs: an admin or UI bearer token, or — while the server
   * runs open — a loopback caller. Nonces are for senders and never read (checking one would
   * spend a use).
   */
  requireReader(request: FastifyRequest): void {
    const sender = this.identify(request);
    if (sender.kind === 'nonce')
      throw new PipelineJobsError('forbidden', 'reading jobs needs a bearer token, not a nonce', { need: 'bearer' });
  }

  /**
   * Counts one use of the sender's nonce and checks it covers `need`; returns the nonce as
   * stored, or undefined for other senders. Call it last, after every other check, so that a
   * refused call spends no use.
   */
  async spend(sender: Sender, need: Need, now: Date): Promise<NonceRecord | undefined> {
    if (sender.kind !== 'nonce') return undefined;
    const result = await this.#nonces.use(sender.id, sender.hash, now);
    switch (result.outcome) {
      case 'unknown':
        throw new PipelineJobsError('nonce_invalid', 'the x-nonce is not a valid nonce');
      case 'revoked':
        throw new PipelineJobsError('nonce_revoked', `nonce ${sender.id} was revoked`, {
          id: sender.id,
          revoked: result.nonce.revoked,
        });
      case 'expired':
        throw new PipelineJobsError('nonce_expired', `nonce ${sender.id} expired`, {
          id: sender.id,
          expired: result.nonce.expires,
        });
      case 'exhausted':
        throw new PipelineJobsError('nonce_exhausted', `nonce ${sender.id} has no uses left`, {
          id: sender.id,
          maxUses: result.nonce.maxUses,
        });
      case 'accepted':
        // The scope is only known once the nonce is read; a use spent on the wrong route is the holder's loss.
        if (!nonceCovers(result.nonce.scope, need)) {
          throw new PipelineJobsError('forbidden', `nonce ${sender.id} has scope ${result.nonce.scope}, not ${need}`, {
            need,
          });
        }
        return result.nonce;
    }
  }
}
