// SIGKILL the counter at random points while it takes cases and syncs, over
// and over (≥ 200 kills, seeded), with one real hall server; then let it start
// once more and drain. The server must hold exactly the records the counter
// committed: none lost, none doubled, in seq order. scripts/crash-soak.ts runs
// the same campaign for 10k iterations.
import { describe, expect, it } from 'vitest';
import { runCrashCampaign } from './crash-harness.ts';

const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 200);
const KILLS = Math.min(200, ITERATIONS);

describe('crash safety of capture and sync', () => {
  it(`loses and doubles nothing across ${KILLS}+ random SIGKILLs`, { timeout: 300_000 }, async () => {
    const report = await runCrashCampaign({
      iterations: ITERATIONS,
      minKills: KILLS,
      seed: Number(process.env.CRASH_SEED ?? 20260305),
    });
    // Printed for the CI log: where the kills fell and how long it took.
    console.log(
      JSON.stringify({
        ...report,
        lanes: report.lanes.map(({ lost, extra, ...lane }) => ({
          ...lane,
          lost: lost.length,
          extra: extra.length,
        })),
      }),
    );
    expect(report.iterations).toBeGreaterThanOrEqual(ITERATIONS);
    expect(report.killed).toBeGreaterThanOrEqual(KILLS);
    expect(report.killPoints['push in flight']).toBeGreaterThan(KILLS / 5);
    expect(report.killPoints['during capture']).toBeGreaterThan(KILLS / 10);
    // Some kills fell after the server committed and before the counter heard: those came back as duplicates.
    expect(report.duplicatesAnswered).toBeGreaterThan(0);
    for (const lane of report.lanes) {
      expect(lane.chainBroken).toBeNull();
      expect(lane.notAcked).toBe(0);
      expect(lane.sameRecords).toBe(true);
      expect(lane.rejected).toBe(0);
      expect(lane.lost).toEqual([]);
      expect(lane.extra).toEqual([]);
      expect(lane.doubled).toBe(0);
      expect(lane.inSeqOrder).toBe(true);
      expect(lane.casesServer).toBe(lane.casesLocal);
      expect(lane.outbox).toBeGreaterThan(KILLS / 5);
    }
  });
});
