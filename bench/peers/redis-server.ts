import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../test/helpers/free-port.js';
import { PeerUnavailable } from './peer.js';

/** A redis-server started for the benchmark. */
export interface OwnRedis {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` with the append-only file fsynced every second (Redis's recommended
 * durable setting) and no RDB snapshots, in a temporary directory; resolves once it answers PING.
 */
export async function startAofRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--dir',
    dir,
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    const error = await Promise.race([failed, sleep(100, undefined)]);
    if (error !== undefined) {
      rmSync(dir, { recursive: true, force: true });
      throw new PeerUnavailable(`cannot start redis-server (${error.message})`);
    }
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Refused connections are expected while the server starts; connect() reports them.
    client.on('error', () => undefined);
    const ok = await client.connect().then(
      () => client.ping().then(() => true),
      () => false,
    );
    client.disconnect();
    if (ok && child.pid !== undefined) return { port, pid: child.pid, stop: cleanup };
  }
  await cleanup();
  throw new Error('redis-server did not answer within 10 s');
}
