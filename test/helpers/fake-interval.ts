// A hand-driven interval timer for the daily / hourly housekeeping runs
// (main/retention.ts RetentionTimer, server/hall.ts PruneTimer): the test
// calls `runs[i].run()` itself and counts the clears.
export function fakeIntervalTimer() {
  const timer = {
    runs: [] as { run: () => void; ms: number }[],
    cleared: 0,
    setInterval(run: () => void, ms: number) {
      timer.runs.push({ run, ms });
      return timer.runs.length;
    },
    clearInterval() {
      timer.cleared += 1;
    },
  };
  return timer;
}
