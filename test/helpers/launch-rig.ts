import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A job as `GET /jobs/:uuid` answers it, with the fields these tests read. */
export interface LaunchedJob {
  uuid: string;
  state: string;
  attempts?: number;
  retriesExhausted?: string;
  launch?: {
    state: string;
    by: string;
    at: string;
    launcher: string;
    attempt?: number;
    ref?: string;
    message?: string;
  };
}

/** A history entry as `GET /jobs/:uuid/history` answers it. */
export interface Entry {
  id: string;
  name: string;
  source: string;
  date: string;
  data: Record<string, unknown> | null;
}

/** Polls `probe` every 100 ms until it returns a value, or throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A directory with the executable scripts `name → body` (sh), for registries' `script:` keys. */
export function scriptsDir(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-launch-scripts-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** The HTTP calls the launcher tests make. */
export function jobsApi(base: string): {
  create: (pipeline: string, data: Record<string, unknown>) => Promise<{ uuid: string; token: string }>;
  job: (uuid: string) => Promise<LaunchedJob>;
  history: (uuid: string) => Promise<Entry[]>;
  send: (uuid: string, token: string, event: string) => Promise<number>;
  stateIs: (uuid: string, state: string, timeoutMs?: number) => Promise<LaunchedJob>;
} {
  const job = async (uuid: string): Promise<LaunchedJob> =>
    (await (await fetch(`${base}/jobs/${uuid}`)).json()) as LaunchedJob;
  return {
    async create(pipeline, data) {
      const res = await fetch(`${base}/jobs?wait=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline, data }),
      });
      const body = (await res.json()) as { uuid: string; token: string };
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    job,
    async history(uuid) {
      return ((await (await fetch(`${base}/jobs/${uuid}/history`)).json()) as { history: Entry[] }).history;
    },
    async send(uuid, token, event) {
      const params = new URLSearchParams({ uuid, token, event });
      return (await fetch(`${base}/events?${params.toString()}&wait=1`, { method: 'POST' })).status;
    },
    stateIs: (uuid, state, timeoutMs = 20_000) =>
      until(`${uuid} ${state}`, timeoutMs, async () => {
        const current = await job(uuid);
        return current.state === state ? current : undefined;
      }),
  };
}
