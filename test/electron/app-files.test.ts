// The app://halldesk/ handler over real files in a temp folder (the same code
// protocol.handle runs, minus Electron).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, contentTypeFor, resolveAppFile, serveAppRequest } from '../../main/shell/app-files.ts';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'halldesk-app-files-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'clerk.html'), '<!doctype html><title>工作台</title>');
  writeFileSync(join(root, 'assets', 'clerk-abc.js'), 'export {};');
  writeFileSync(join(root, 'assets', 'clerk-abc.css'), 'body{}');
  writeFileSync(join(root, 'assets', '叫号.mp3'), Buffer.from([0xff, 0xfb]));
  writeFileSync(join(base, 'secret.txt'), 'not for the renderer');
  writeFileSync(join(base, 'renderer-evil.txt'), 'sibling with a shared prefix');
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveAppRequest(root, new Request(url, { method }), (file) => readFile(file));

describe('serveAppRequest', () => {
  it('serves a page with its MIME type and the CSP header', async () => {
    const response = await get('app://halldesk/clerk.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('工作台');
  });

  it('serves scripts as JavaScript (module scripts need it) and styles as CSS', async () => {
    const js = await get('app://halldesk/assets/clerk-abc.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await get('app://halldesk/assets/clerk-abc.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('decodes percent-encoded names', async () => {
    const response = await get(`app://halldesk/assets/${encodeURIComponent('叫号.mp3')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xfb]));
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('app://halldesk/clerk.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('<!doctype html><title>工作台</title>'.length + 6));
    expect(await head.text()).toBe('');
    expect((await get('app://halldesk/clerk.html', 'POST')).status).toBe(405);
  });

  it.each([
    'app://halldesk/../secret.txt',
    'app://halldesk/%2e%2e/secret.txt',
    'app://halldesk/..%2fsecret.txt',
    'app://halldesk/assets/..%2f..%2fsecret.txt',
    'app://halldesk/assets%5c..%5c..%5csecret.txt',
    'app://halldesk/%2e%2e%5csecret.txt',
    'app://halldesk/..%2frenderer-evil.txt',
    'app://halldesk/%00clerk.html',
    'app://halldesk/missing.html',
    'app://halldesk/',
    'app://halldesk/assets',
    'app://other/clerk.html',
    'app://halldesk:99/clerk.html',
  ])('never serves anything outside the renderer folder, nor a folder: %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await response.text()).not.toContain('not for the renderer');
  });
});

describe('resolveAppFile', () => {
  it('maps a URL to the file under the root', () => {
    expect(resolveAppFile('/srv/r', 'app://halldesk/assets/a.js')).toBe(join('/srv/r', 'assets', 'a.js'));
  });

  it('refuses escapes and foreign URLs', () => {
    expect(resolveAppFile('/srv/r', 'app://halldesk/..%2f..%2fetc/passwd')).toBeNull();
    expect(resolveAppFile('/srv/r', 'app://halldesk/C%3A%5Cwindows')).toBeNull();
    expect(resolveAppFile('/srv/r', 'app://halldesk/%E0%A4%A')).toBeNull();
    expect(resolveAppFile('/srv/r', 'https://halldesk/a.js')).toBeNull();
    expect(resolveAppFile('/srv/r', 'nonsense')).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it('knows the renderer’s file types and falls back to bytes', () => {
    expect(contentTypeFor('a.MJS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('a.wasm')).toBe('application/wasm');
    expect(contentTypeFor('a.bin')).toBe('application/octet-stream');
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream');
  });
});
