import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The cookie that carries a dashboard session (signed, HttpOnly, SameSite=Strict, path /ui). */
export const SESSION_COOKIE = 'pjm_ui';

/** How long a session lasts after sign-in. */
const SESSION_SECONDS = 8 * 3600;

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * Admin sessions of the dashboard: a bearer token, checked once at sign-in, is exchanged for a
 * signed session cookie, and every action carries a CSRF token derived from that session. The
 * signing key is made per process, so a restart signs everyone out (the token signs them in again).
 */
export class UiSessions {
  readonly #key = randomBytes(32);
  readonly #clock: () => Date;

  constructor(clock: () => Date) {
    this.#clock = clock;
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }

  /** Starts a session: sets the cookie on `reply`. */
  open(request: FastifyRequest, reply: FastifyReply): void {
    const expires = Math.floor(this.#clock().getTime() / 1000) + SESSION_SECONDS;
    const body = `${expires.toString(36)}.${randomBytes(12).toString('base64url')}`;
    const secure = request.protocol === 'https' ? '; Secure' : '';
    const attributes = `Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`;
    reply.header('set-cookie', `${SESSION_COOKIE}=${body}.${this.#sign(body)}; ${attributes}`);
  }

  /** Ends the session: clears the cookie. */
  close(reply: FastifyReply): void {
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`);
  }

  /** The request's valid, unexpired session value, or undefined. */
  session(request: FastifyRequest): string | undefined {
    const value = cookieValue(request, SESSION_COOKIE);
    const match = value === undefined ? null : /^([0-9a-z]+)\.([\w-]+)\.([\w-]+)$/.exec(value);
    if (match === null || match[1] === undefined || match[3] === undefined) return undefined;
    const body = `${match[1]}.${match[2] ?? ''}`;
    if (!equal(this.#sign(body), match[3])) return undefined;
    if (parseInt(match[1], 36) * 1000 <= this.#clock().getTime()) return undefined;
    return body;
  }

  /** The CSRF token of a session: what every action form carries. */
  csrfToken(session: string): string {
    return this.#sign(`csrf:${session}`);
  }

  /** Whether `presented` is the CSRF token of `session`. */
  checkCsrf(session: string, presented: string | undefined): boolean {
    return presented !== undefined && equal(this.csrfToken(session), presented);
  }
}
