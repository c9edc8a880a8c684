import type { EventMessage } from '../schemas/types.js';

/**
 * The body of an event message on the bus: its JSON, UTF-8 (`event.schema.json` says what it may
 * hold; the manager reads it back with `parseEventMessage`, which validates it).
 */
export function encodeEventMessage(message: EventMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}
