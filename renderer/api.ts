// The one api module the stores call. In Electron the preload bridge
// (window.halldesk) carries the contract over IPC; in a plain browser (the
// browser host used by the demo and the end-to-end tests) a WebSocket does.
import type { HallDeskApi } from '../common/contract.ts';
import { CALL_NAMES, type ScreenRole } from '../common/ipc-names.ts';
import { createWsLink, hostSocketUrl, toCallError, type Link } from './transport.ts';

declare global {
  interface Window {
    /** Exposed by preload/ in Electron only. */
    halldesk?: HallDeskApi;
  }
}

function bridgeLink(bridge: HallDeskApi): Link {
  const calls = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (args: unknown) => {
        try {
          return await (bridge[name] as (args: unknown) => Promise<unknown>)(args ?? {});
        } catch (error) {
          throw toCallError(error);
        }
      },
    ]),
  );
  const api = { ...calls, on: bridge.on.bind(bridge) } as HallDeskApi;
  return { api, state: () => 'open', onState: () => () => {}, close: () => {} };
}

/** Connects this screen to the counter core through whichever transport is there. */
export function connectApi(role: ScreenRole): Link {
  if (window.halldesk) return bridgeLink(window.halldesk);
  return createWsLink({
    url: hostSocketUrl(role, window.location),
    createSocket(url, handlers) {
      const ws = new WebSocket(url);
      ws.onopen = () => handlers.onOpen();
      ws.onmessage = (event) => handlers.onMessage(event.data);
      ws.onclose = () => handlers.onClose();
      return ws;
    },
  });
}
