import type { JobStore } from '../../ports/job-store.js';

/** What two runs must agree on for one job: state, version and the history minus its dates. */
export interface JobSnapshot {
  readonly state: string;
  readonly version: number;
  readonly history: ReadonlyArray<{
    id: string;
    name: string;
    state: string;
    version: number;
    seq: number | null;
    data: unknown;
  }>;
}

/** Snapshots of `uuids` (absent jobs are left out). */
export async function snapshotJobs(store: JobStore, uuids: readonly string[]): Promise<Map<string, JobSnapshot>> {
  const out = new Map<string, JobSnapshot>();
  for (const uuid of uuids) {
    const job = await store.get(uuid);
    if (job === undefined) continue;
    const history = (await store.history(uuid)).map((h) => ({
      id: h.id,
      name: h.name,
      state: h.state,
      version: h.version,
      seq: h.seq ?? null,
      data: h.data,
    }));
    out.set(uuid, { state: job.state, version: job.version, history });
  }
  return out;
}

/** Polls until every job in `expected` has reached its expected version, or the deadline passes. */
export async function waitForVersions(
  store: JobStore,
  expected: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...expected.keys()];
  while (pending.length > 0 && Date.now() < deadline) {
    const still: string[] = [];
    for (const uuid of pending) {
      const job = await store.get(uuid);
      if (job === undefined || job.version < (expected.get(uuid) ?? 0)) still.push(uuid);
    }
    pending = still;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return pending.length;
}
