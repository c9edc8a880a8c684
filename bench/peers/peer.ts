/**
 * One system under comparison, driven through its own client from the benchmark process: it runs
 * one lifecycle (create → run → 2 progress updates → finish) per call, each call resolving once the
 * system has made the finished job visible to a reader.
 */
export interface PeerSystem {
  readonly name: string;
  /** Runs lifecycle number `i` to its end. */
  lifecycle(i: number): Promise<void>;
  /** The system-side processes (servers, backends, child processes) whose CPU and memory count. */
  systemPids(): Promise<readonly number[]>;
  /** What the system kept of one finished lifecycle, in a few words. */
  recorded(): Promise<string>;
  /** Stops what the peer started and removes its data. */
  close(): Promise<void>;
}

/** Why a peer did not run: its service is absent (skip, unless PJM_REQUIRE_SERVICES=1). */
export class PeerUnavailable extends Error {}
