/**
 * Published once per applied event (the bus's state exchange, `GET /changes`, `pjm watch`), on the
 * routing key {@link stateRoutingKey}.
 */
export interface StateNotification {
  readonly uuid: string;
  readonly pipeline: string;
  readonly state: string;
  readonly previousState: string;
  readonly version: number;
  readonly event: string;
  readonly eventId: string;
  readonly date: string;
  /** The job's phase after the event (a status vocabulary's label), when it has one. */
  readonly phase?: string;
}

/** `<pipeline>.<STATE>`: subscribers bind topic patterns such as `<pipeline>.*` or `#`. */
export function stateRoutingKey(notification: Pick<StateNotification, 'pipeline' | 'state'>): string {
  return `${notification.pipeline}.${notification.state}`;
}
