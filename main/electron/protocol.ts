// The app://halldesk/ scheme: registered as privileged before `ready`, then
// served from the built renderer folder. No file:// anywhere.
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { serveAppRequest } from '../shell/app-files.ts';
import { APP_SCHEME } from '../shell/trust.ts';

/** Must run before app `ready`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    },
  ]);
}

/** After `ready`: answer app://halldesk/… from `rendererDir` (out/renderer). */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request, (file) => readFile(file)));
}
