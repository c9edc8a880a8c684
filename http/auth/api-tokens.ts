import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The bearer tokens of `PJM_API_TOKENS`. Only their SHA-256 digests are kept; a presented token is
 * digested and compared with every known digest in constant time, so neither timing nor length
 * tells a caller how close a guess was.
 */
export class ApiTokens {
  readonly #digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  /** The tokens of a `PJM_API_TOKENS` value (comma-separated; none when unset). */
  static fromConfig(value: string | undefined): ApiTokens {
    return new ApiTokens(value === undefined ? [] : value.split(',').filter((t) => t !== ''));
  }

  /** True when at least one token is configured. */
  get configured(): boolean {
    return this.#digests.length > 0;
  }

  /** Whether `presented` is one of the tokens. */
  accepts(presented: string): boolean {
    const given = digest(presented);
    let match = false;
    for (const known of this.#digests) match = timingSafeEqual(given, known) || match;
    return match;
  }
}
