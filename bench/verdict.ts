// How every bench reports a figure against its target. A figure taken on a
// busy machine is not trusted silently: latency benches measure twice, and a
// target met in one run but not the other says so instead of passing.
import { availableParallelism, loadavg } from 'node:os';

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

/** The machine's load now, e.g. "load 3.1 on 2 cores (busy: figures are noisy)". */
export function machineLoad(): string {
  return `load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores${machineBusy() ? ' (busy: figures are noisy)' : ''}`;
}

/** More runnable processes than three quarters of the cores, over the last minute. */
export function machineBusy(): boolean {
  return loadavg()[0]! > availableParallelism() * 0.75;
}

/**
 * The verdict on one figure (lower is better) measured in one or more runs:
 * "met", "MISSED", or, when the runs disagree, both results and a warning.
 */
export function verdict(runs: readonly number[], target: number): string {
  const met = runs.filter((value) => value <= target).length;
  if (met === runs.length) return 'met';
  if (met === 0) return machineBusy() ? 'MISSED on a busy machine — rerun on a quiet one before believing it' : 'MISSED';
  return `met in ${met} of ${runs.length} runs — the machine is noisy, rerun on a quiet one`;
}
