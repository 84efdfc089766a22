/** p50, p99 and max of a set of latencies (nearest rank), rounded to 0.1 ms, as every benchmark reports them. */
export function percentiles(ms: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1) ?? NaN) };
}
