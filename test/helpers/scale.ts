/**
 * The size of the heavy integration scenarios (event streams, crash-and-restart, 10,000-job query
 * pages). Each scenario states its CI size; `PJM_TEST_SCALE` multiplies it (default 1). The CI size
 * is what proves the property with headroom on a busy 2-core machine; `npm run bench scenarios`
 * runs the same files at {@link BENCH_SCALE}.
 */
export const SCALE_VARIABLE = 'PJM_TEST_SCALE';

/** The scale at which the benchmark runs the scenarios: their original, quiet-machine sizes. */
export const BENCH_SCALE = 5;

/** The file timeout of tap at scale 1 (package.json `tap.timeout`), in ms. */
const FILE_TIMEOUT_MS = 300_000;

/** PJM_TEST_SCALE as a positive number; 1 when unset. */
export function testScale(): number {
  const raw = process.env[SCALE_VARIABLE];
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new Error(`${SCALE_VARIABLE} must be a positive number, got "${raw}"`);
  return scale;
}

/** `ciSize` times the scale, rounded, and never below `min`. */
export function scaled(ciSize: number, min = 1): number {
  return Math.max(min, Math.round(ciSize * testScale()));
}

/** A wait or timeout that grows with the scale (never shrinks below its CI value). */
export function scaledMs(ciMs: number): number {
  return Math.round(ciMs * Math.max(1, testScale()));
}

/** The tap file timeout for a scenario file: tap's default at scale 1, proportionally more above. */
export function scenarioFileTimeoutMs(): number {
  return scaledMs(FILE_TIMEOUT_MS);
}
