// The crash campaign of test/sync/crash.test.ts at soak length (not in CI):
//   node scripts/crash-soak.ts [--iterations 10000] [--seed N] [--lanes 2] [--max-cases 3]
// Prints progress and a final report; exits 1 when anything was lost,
// doubled, out of order, or left unacknowledged.
import { parseArgs } from 'node:util';
import { runCrashCampaign } from '../test/sync/crash-harness.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    lanes: { type: 'string', default: '2' },
    'max-cases': { type: 'string', default: '3' },
  },
});
const iterations = Number(values.iterations);
const seed = Number(values.seed);
console.log(`崩溃浸泡测试：${iterations} 次，种子 ${seed}（用同一种子可复现）`);
const started = Date.now();
const report = await runCrashCampaign({
  iterations,
  seed,
  lanes: Number(values.lanes),
  maxCases: Number(values['max-cases']),
  onProgress: (done, total) => {
    if (done % 100 === 0 || done === total) {
      const rate = done / ((Date.now() - started) / 1000);
      process.stdout.write(`  ${done}/${total}（${rate.toFixed(1)} 次/秒）\n`);
    }
  },
});
console.log(
  JSON.stringify(
    {
      ...report,
      lanes: report.lanes.map((l) => ({ ...l, lost: l.lost.slice(0, 10), extra: l.extra.slice(0, 10) })),
    },
    null,
    2,
  ),
);
const bad = report.lanes.filter(
  (l) =>
    l.lost.length > 0 ||
    l.extra.length > 0 ||
    l.doubled > 0 ||
    l.notAcked > 0 ||
    l.rejected > 0 ||
    !l.sameRecords ||
    !l.inSeqOrder ||
    l.chainBroken !== null,
);
if (bad.length > 0) {
  console.error(`失败：${bad.length} 个终端的数据与服务器不一致`);
  process.exitCode = 1;
} else {
  console.log(
    `通过：${report.killed} 次强杀，${report.lanes.reduce((n, l) => n + l.casesServer, 0)} 件办件，无丢失、无重复、顺序一致`,
  );
}
