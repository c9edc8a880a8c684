import type { Delivery } from '../../../ports/event-bus.js';
import type { LeasedMessage, Settlement } from './local-queue.js';

/**
 * The {@link Delivery} of one leased message. The first settlement wins; later calls return
 * its promise and change nothing. If that settlement fails to commit, the delivery is
 * unsettled again and may be settled anew.
 */
export function localDelivery(message: LeasedMessage, settle: (settlement: Settlement) => Promise<void>): Delivery {
  let settled: Promise<void> | undefined;
  const once = (settlement: Settlement): Promise<void> => {
    settled ??= settle(settlement).catch((error: unknown) => {
      settled = undefined;
      throw error;
    });
    return settled;
  };
  return {
    body: message.body,
    routingKey: message.routingKey,
    headers: message.headers,
    ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
    ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
    attempts: message.attempts,
    redelivered: message.delivered > 1,
    ack: () => once({ kind: 'ack' }),
    requeue: () => once({ kind: 'requeue' }),
    retryLater: (delayMs) => {
      if (!Number.isFinite(delayMs) || delayMs < 0) {
        return Promise.reject(new RangeError(`retryLater needs a finite delay >= 0 ms, got ${delayMs}`));
      }
      return once({ kind: 'retry', availableAt: Date.now() + Math.ceil(delayMs) });
    },
    deadLetter: (reason, stored) =>
      once({ kind: 'dead', reason: { ...reason }, ...(stored !== undefined && { stored }) }),
  };
}
