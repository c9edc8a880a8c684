import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { PIPELINEJOBS_NAMESPACE } from './job-identity.js';
import type { Delivery } from '../ports/event-bus.js';
import { isUuid } from '../schemas/uuid-format.js';

/**
 * The idempotency id of an event: its own `id`, else the AMQP message id when it is a uuid, else
 * a uuid derived from the exact body bytes — never a random one, so a redelivered message keeps
 * its id and is recognised as a duplicate. (Two identical bodies without ids are one event.)
 */
export function eventIdOf(
  message: { readonly id?: string | undefined },
  delivery: Pick<Delivery, 'body' | 'messageId'>,
): string {
  if (message.id !== undefined) return message.id.toLowerCase();
  if (delivery.messageId !== undefined && isUuid(delivery.messageId)) return delivery.messageId.toLowerCase();
  return uuidv5(`body\n${createHash('sha256').update(delivery.body).digest('hex')}`, PIPELINEJOBS_NAMESPACE);
}
