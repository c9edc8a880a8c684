import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterSubject, replayForm } from '../model/dead-letter-form.js';
import type { JobTokens } from '../model/job-tokens.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from '../ports/dead-letter-store.js';
import type { DeadLetter, EventBus } from '../ports/event-bus.js';
import type { Logger } from '../ports/logger.js';

/** What {@link DeadLetters} works with; ports only. */
export interface DeadLettersDeps {
  readonly bus: EventBus;
  readonly store: DeadLetterStore;
  /** Signs the operator token a replayed job-scoped event carries. */
  readonly tokens: JobTokens;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

/** How the replay of one dead letter ended. */
export type ReplayOutcome =
  /** Sent back to the events queue; the manager's verdict follows as for any event. */
  | { readonly outcome: 'replayed'; readonly id: string; readonly eventId?: string }
  | { readonly outcome: 'not_found'; readonly id: string }
  | { readonly outcome: 'already_replayed'; readonly id: string; readonly replayedAt?: string }
  /** Its token was not verified when it was refused, and the replay was not forced. */
  | { readonly outcome: 'unverified'; readonly id: string; readonly token: string };

/** What a replay of every waiting letter of a code did. */
export interface ReplaySummary {
  readonly replayed: number;
  /** Left waiting because their token was not verified (replay with force). */
  readonly unverified: number;
}

/** Letters taken off the bus per drain. */
const SWEEP_BATCH = 200;
/** Letters claimed and sent per step of a replay by code. */
const REPLAY_BATCH = 100;

/** A bus dead letter as it is kept: with what its body says it was about. */
function toRecord(letter: DeadLetter): DeadLetterRecord {
  return { ...letter, ...deadLetterSubject(letter.body, letter.messageId) };
}

/**
 * Dead letters you can act on. The keeper ({@link start}) moves letters from the bus's dead-letter
 * queue into the {@link DeadLetterStore}, removing each from the bus only once it is recorded (the
 * store keeps by id, so a letter kept twice is one record): RabbitMQ cannot list a queue without
 * consuming it, so every read is served from the store, and {@link sweep} first brings it up to date.
 *
 * A replay sends the letter's original message (same event id, body, routing key, headers and
 * message id) back to the events queue, with a fresh operator token for a job-scoped event, after
 * claiming the letter in the store, so it is sent once; the manager then applies it once (its
 * event id makes a second copy a duplicate), or refuses it again into a new dead letter.
 */
export class DeadLetters {
  readonly #deps: DeadLettersDeps;
  readonly #clock: () => Date;
  #sweeping: Promise<number> | undefined;
  #running: Promise<void> | undefined;
  #stopping: AbortController | undefined;

  constructor(deps: DeadLettersDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => new Date());
  }

  /** The store the letters are kept in (reads go straight to it). */
  get store(): DeadLetterStore {
    return this.#deps.store;
  }

  /**
   * Moves every letter on the bus's dead-letter queue into the store; answers how many. Calls made
   * while one runs share it.
   */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#drain().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Starts the keeper: a sweep every `periodMs`; a failed sweep is logged and tried again. */
  start(periodMs: number): void {
    if (this.#running !== undefined) return;
    const stopping = new AbortController();
    this.#stopping = stopping;
    this.#running = (async () => {
      while (!stopping.signal.aborted) {
        try {
          const moved = await this.sweep();
          if (moved > 0) this.#deps.logger.info({ moved }, 'dead letters kept');
        } catch (err) {
          this.#deps.logger.warn({ err: String(err) }, 'dead-letter sweep failed; the letters stay on the bus');
        }
        await sleep(periodMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    })();
  }

  /** Stops the keeper once its current sweep is over. */
  async stop(): Promise<void> {
    this.#stopping?.abort();
    await this.#running;
    this.#running = undefined;
    this.#stopping = undefined;
  }

  /**
   * Replays one letter: refused when it was replayed already, or when its token was not verified
   * and `force` is not set.
   */
  async replay(id: string, options: { readonly force?: boolean } = {}): Promise<ReplayOutcome> {
    const letter = await this.#deps.store.get(id);
    if (letter === undefined) return { outcome: 'not_found', id };
    const [outcome] = await this.#replayAll([letter], options.force === true);
    return outcome ?? { outcome: 'not_found', id };
  }

  /**
   * Replays every letter of `code` that waits and died before this call (a letter refused again
   * meanwhile is not replayed in the same call), oldest first.
   */
  async replayCode(code: string, options: { readonly force?: boolean } = {}): Promise<ReplaySummary> {
    const filter: DeadLetterFilter = { code, before: this.#clock().toISOString() };
    let replayed = 0;
    let unverified = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#deps.store.list({
        ...filter,
        limit: REPLAY_BATCH,
        ...(after !== undefined && { after }),
      });
      for (const outcome of await this.#replayAll(page, options.force === true)) {
        if (outcome.outcome === 'replayed') replayed++;
        if (outcome.outcome === 'unverified') unverified++;
      }
      if (page.length < REPLAY_BATCH) return { replayed, unverified };
      after = page.at(-1)?.id;
    }
  }

  async #drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const letters = await this.#deps.bus.drainDeadLetters(SWEEP_BATCH, (taken) =>
        this.#deps.store.keep(taken.map(toRecord)),
      );
      moved += letters.length;
      if (letters.length < SWEEP_BATCH) return moved;
    }
  }

  /** Claims the letters that may go, then publishes them in order; a publish that fails gives its claim back. */
  async #replayAll(letters: readonly DeadLetterRecord[], force: boolean): Promise<ReplayOutcome[]> {
    const { store, bus, tokens, logger } = this.#deps;
    const now = this.#clock();
    const outcomes: ReplayOutcome[] = [];
    const claimed: DeadLetterRecord[] = [];
    for (const letter of letters) {
      if (letter.replayedAt !== undefined) {
        outcomes.push({ outcome: 'already_replayed', id: letter.id, replayedAt: letter.replayedAt });
      } else if (letter.reason.token !== 'verified' && !force) {
        outcomes.push({ outcome: 'unverified', id: letter.id, token: letter.reason.token });
      } else if (await store.markReplayed(letter.id, now)) {
        claimed.push(letter);
      } else {
        outcomes.push({ outcome: 'already_replayed', id: letter.id });
      }
    }
    // Published in one go, in order: events of one job keep the order they died in.
    const sent = await Promise.allSettled(
      claimed.map((letter) =>
        bus.publish(
          replayForm(letter.body, { messageId: letter.messageId, tokenFor: (uuid) => tokens.issue(uuid, now) }),
          {
            routingKey: letter.routingKey,
            headers: letter.headers,
            ...(letter.messageId !== undefined && { messageId: letter.messageId }),
          },
        ),
      ),
    );
    let failure: Error | undefined;
    for (const [i, result] of sent.entries()) {
      const letter = claimed[i] as DeadLetterRecord;
      if (result.status === 'fulfilled') {
        outcomes.push({
          outcome: 'replayed',
          id: letter.id,
          ...(letter.eventId !== undefined && { eventId: letter.eventId }),
        });
        logger.info(
          { id: letter.id, eventId: letter.eventId, uuid: letter.uuid, code: letter.reason.code },
          'dead letter replayed',
        );
      } else {
        failure ??= result.reason instanceof Error ? result.reason : new Error(String(result.reason));
        await store.unmark(letter.id);
      }
    }
    if (failure !== undefined) throw failure;
    return outcomes;
  }
}
