/** What a waiting request knows of itself when it ends without its reply. */
export interface Waiting<C> {
  /** What the caller attached to the request (for error messages and details). */
  readonly context: C;
  /** The bus confirmed the request: it is out, so a missing reply no longer means "not sent". */
  readonly confirmed: boolean;
  /** What {@link PendingReplies.confirm} named as the way the reply will come back (a channel). */
  readonly via: unknown;
}

/** How one request waits. */
export interface WaitOptions<C> {
  readonly timeoutMs: number;
  readonly context: C;
  /**
   * Ends the wait early: the request then fails with {@link expired} (`abandoned`) as soon as it
   * is confirmed, at once if it already is. It never withdraws the request.
   */
  readonly signal?: AbortSignal;
  /** The error of a wait that ran out (`why`: `timed out after N ms`) or was abandoned (`abandoned`). */
  readonly expired: (why: string, waiting: Waiting<C>) => Error;
}

/** A request taken out of the table: settle it once. */
export interface Taken<T, C> extends Waiting<C> {
  resolve(value: T): void;
  reject(err: Error): void;
}

interface Entry<T, C> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly options: WaitOptions<C>;
  readonly onAbort: () => void;
  confirmed: boolean;
  abandoned: boolean;
  via: unknown;
}

/**
 * Requests waiting for their reply, by correlation id: the request/reply half of the bus, for the
 * manager's publishers (the AMQP and local buses) and for the client's AMQP transport alike.
 * Every request ends exactly once: with its reply, with an error its owner chose, or when its
 * time runs out. A reply nobody waits for (any more) is dropped.
 */
export class PendingReplies<T, C> {
  readonly #waiting = new Map<string, Entry<T, C>>();

  /** Starts waiting for the reply to `correlationId`. */
  expect(correlationId: string, options: WaitOptions<C>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#expire(correlationId, `timed out after ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      const onAbort = (): void => {
        const entry = this.#waiting.get(correlationId);
        if (entry === undefined) return;
        if (entry.confirmed) this.#expire(correlationId, 'abandoned');
        else entry.abandoned = true;
      };
      const abandoned = options.signal?.aborted === true;
      this.#waiting.set(correlationId, {
        resolve,
        reject,
        timer,
        options,
        onAbort,
        confirmed: false,
        abandoned,
        via: undefined,
      });
      if (options.signal !== undefined && !abandoned) options.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Records that the bus confirmed the request, and `via` what its reply will come back (when
   * that can be lost: see {@link failWhere}). Returns whether the request still waits.
   */
  confirm(correlationId: string, via?: unknown): boolean {
    const entry = this.#waiting.get(correlationId);
    if (entry === undefined) return false;
    entry.confirmed = true;
    entry.via = via;
    if (!entry.abandoned) return true;
    this.#expire(correlationId, 'abandoned');
    return false;
  }

  /** Takes the request out of the table to settle it (with its reply), or undefined when nobody waits for it. */
  take(correlationId: string): Taken<T, C> | undefined {
    const entry = this.#waiting.get(correlationId);
    if (entry === undefined) return undefined;
    this.#forget(correlationId, entry);
    return {
      context: entry.options.context,
      confirmed: entry.confirmed,
      via: entry.via,
      resolve: entry.resolve,
      reject: entry.reject,
    };
  }

  /** Fails the request with `err`, unless it has already ended. */
  fail(correlationId: string, err: Error): void {
    this.take(correlationId)?.reject(err);
  }

  /** Fails every request for which `reason` gives an error (a lost channel, a closing bus). */
  failWhere(reason: (waiting: Waiting<C>) => Error | undefined): void {
    for (const [id, entry] of [...this.#waiting]) {
      const err = reason({ context: entry.options.context, confirmed: entry.confirmed, via: entry.via });
      if (err === undefined) continue;
      this.#forget(id, entry);
      entry.reject(err);
    }
  }

  #expire(correlationId: string, why: string): void {
    const entry = this.#waiting.get(correlationId);
    if (entry === undefined) return;
    this.#forget(correlationId, entry);
    entry.reject(
      entry.options.expired(why, { context: entry.options.context, confirmed: entry.confirmed, via: entry.via }),
    );
  }

  #forget(correlationId: string, entry: Entry<T, C>): void {
    clearTimeout(entry.timer);
    entry.options.signal?.removeEventListener('abort', entry.onAbort);
    this.#waiting.delete(correlationId);
  }
}
