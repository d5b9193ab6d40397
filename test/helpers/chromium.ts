// Finds a system Chromium or Chrome for the end-to-end tests and benchmarks
// (playwright-core never downloads a browser here), and says plainly how to
// get one when none is found.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env, exists = existsSync): string {
  const fromEnv = env.CHROME_PATH;
  if (fromEnv) {
    if (exists(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH=${fromEnv} does not exist.`);
  }
  const found = CANDIDATES.find((path) => exists(path));
  if (found) return found;
  throw new Error(
    'No Chromium or Chrome found for the end-to-end tests. Install one — on Debian/Ubuntu: ' +
      '`sudo apt-get install chromium fonts-noto-cjk` — or point CHROME_PATH at a Chrome/Chromium binary. ' +
      '（未找到 Chromium/Chrome：请安装 chromium，或设置 CHROME_PATH 指向浏览器程序。）',
  );
}

// playwright-core gives every launch a fresh temporary profile (user data dir).
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      // The outward screen announces numbers without anyone touching it, as in the Electron shell.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}
