// The citizen's outward screen stays light: the JavaScript its page loads
// (out/renderer, built by `vite build --config renderer/vite.config.ts`, which
// `npm test` runs first) carries neither antd nor zod.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const out = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

/** Every JS file the page loads: its scripts and module preloads, and what they import, transitively. */
function loadedScripts(page: string): Map<string, string> {
  const html = readFileSync(join(out, page), 'utf8');
  const queue = [
    ...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\.\/([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  const seen = new Map<string, string>();
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    const code = readFileSync(join(out, file), 'utf8');
    seen.set(file, code);
    for (const m of code.matchAll(/(?:from\s*|import\s*\(?\s*)["']\.\/([^"']+\.js)["']/g))
      queue.push(join('assets', m[1]!));
  }
  return seen;
}

describe.skipIf(!existsSync(join(out, 'outward.html')))('out/renderer/outward.html', () => {
  it('loads no antd and no zod', () => {
    const scripts = loadedScripts('outward.html');
    expect(scripts.size).toBeGreaterThan(0);
    for (const [file, code] of scripts) {
      // antd's icons and its CSS-in-JS leave these strings in any bundle that has it.
      expect(code, file).not.toMatch(/anticon|data-css-hash/);
      expect(code, file).not.toMatch(/ZodError|invalid_type/);
    }
  });

  it('is what the clerk page is not: the check would see antd there', () => {
    const clerk = [...loadedScripts('clerk.html').values()].join('\n');
    expect(clerk).toMatch(/anticon/);
    expect(clerk).toMatch(/data-css-hash/);
  });
});
