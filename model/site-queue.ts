/** The queue a job of a site waits in when its create names none. */
export const DEFAULT_QUEUE = 'primary';

/** Photon Ranch's second, independent queue per site (`alternateQueue: true`). */
export const REPLICA_QUEUE = 'replica';
