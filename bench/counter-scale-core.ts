// The counter core as one process, for bench/counter-scale.ts: openCounter on
// an enrolled data folder and the browser host in front of it — what the
// Electron shell's main process runs, without Electron (the shell cannot run
// here). Prints one JSON line per milestone, with the system clock:
//   {"event":"imported","at":…}          every module loaded
//   {"event":"core-open","at":…}         openCounter resolved (store open, records checked, link connecting)
//   {"event":"host","at":…,"clerkUrl":…} the browser host listens
//   {"event":"online","at":…}            the clerk state says online (hall server reached, config and status pulled)
// SIGTERM closes the host and the core (as quitting the app does) and exits.
//
//   node bench/counter-scale-core.ts <data folder> [built renderer folder, default out/renderer]
import { fileURLToPath } from 'node:url';
import type { ClerkState } from '../common/contract.ts';
import { openCounter } from '../main/counter.ts';
import { startBrowserHost } from '../main/host/browser-host.ts';

const say = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...extra })}\n`);
say('imported');

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: node bench/counter-scale-core.ts <data folder> [renderer folder]');
const staticDir = process.argv[3] ?? fileURLToPath(new URL('../out/renderer', import.meta.url));

const counter = await openCounter({ dataDir, deviceName: 'bench-counter' });
say('core-open');
let online = false;
const follow = (state: ClerkState) => {
  if (!online && state.connection.state === 'online') {
    online = true;
    say('online');
  }
};
counter.subscribe((name, payload) => {
  if (name === 'clerkState') follow(payload as ClerkState);
});
follow((await counter.call('getClerkState', {})) as ClerkState);
const host = await startBrowserHost({ core: counter, staticDir });
say('host', { clerkUrl: host.clerkUrl });

process.once('SIGTERM', () => {
  void (async () => {
    await host.close();
    await counter.close();
    process.exit(0);
  })();
});
