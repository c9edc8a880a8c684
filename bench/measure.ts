/** Runs `fn` `count` times with up to `concurrency` calls in flight; returns operations per second. */
export async function opsPerSecond(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

/** A row of a benchmark table: a product figure next to the baseline it is judged against. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
}

/** Prints rows as an aligned table with ratios to their baselines. */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = rows.map((r) => {
    const ratio = r.baseline === undefined ? '' : `${(r.value / r.baseline.value).toFixed(2)} × ${r.baseline.name}`;
    return [r.name.padEnd(52), `${r.value.toFixed(r.value >= 100 ? 0 : 2).padStart(9)} ${r.unit}`.padEnd(18), ratio];
  });
  return lines.map((l) => l.join('  ').trimEnd()).join('\n');
}
