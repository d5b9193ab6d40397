// A stand-in for the built renderer (out/renderer) for the browser host's
// tests: the two pages (titled «clerk page» and «outward page», so a test can
// tell which one it got) and one script.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes the folder (under `parent`, or a new temp folder) and answers its path. */
export function stubRendererDir(parent: string = mkdtempSync(join(tmpdir(), 'halldesk-stub-renderer-'))): string {
  const dir = join(parent, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'clerk.html'), '<!doctype html><title>clerk page</title>');
  writeFileSync(join(dir, 'outward.html'), '<!doctype html><title>outward page</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app")');
  return dir;
}
