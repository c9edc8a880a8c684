import { v7 as uuidv7 } from 'uuid';

/**
 * A new dead letter's id: a UUIDv7, which grows with time (and within one millisecond), so that
 * letters listed by (dead-lettered at, id) come in the order they died on every bus.
 */
export function newDeadLetterId(): string {
  return uuidv7();
}
