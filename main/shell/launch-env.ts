// What the shell reads from its environment, as pure functions (no 'electron'
// import): the demo launcher (scripts/start-electron.ts) passes the hall
// server's address and a one-time enrollment code this way.

/**
 * The folder under the OS's app-data root (Electron's `appData`) that holds
 * the counter's data: userData is set to <appData>/HallDesk, not to the
 * product name, which has spaces and Chinese characters.
 */
export const APP_DATA_FOLDER = 'HallDesk';

export interface AutoEnroll {
  serverUrl: string;
  code: string;
}

/** Both HALLDESK_SERVER_URL and HALLDESK_ENROLL_CODE set (non-blank) → enroll on start; else nothing. */
export function autoEnrollFromEnv(env: Readonly<Record<string, string | undefined>>): AutoEnroll | undefined {
  const serverUrl = env.HALLDESK_SERVER_URL?.trim();
  const code = env.HALLDESK_ENROLL_CODE?.trim();
  if (!serverUrl || !code) return undefined;
  return { serverUrl, code };
}
