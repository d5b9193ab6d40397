// A serial line can vanish without the reader hearing of it: a pty whose
// socat was SIGKILLed does not always wake a reader that is only waiting, and
// its number is handed to the next pty pair at once — so "the path still
// exists" is not enough. The node behind the path is compared by identity
// (device and change time): a new pty on the same number is a new node.
import { statSync } from 'node:fs';

function nodeIdentity(path: string): string | null {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.rdev}:${stat.ino}:${stat.ctimeNs}`;
  } catch {
    return null;
  }
}

/**
 * Calls `onLost` once when the device node behind `path` (a symlink is
 * followed) disappears or is replaced. Returns a function that stops watching.
 */
export function watchLinePath(path: string, onLost: () => void, everyMs = 500): () => void {
  const first = nodeIdentity(path);
  if (first === null) return () => undefined;
  const timer = setInterval(() => {
    if (nodeIdentity(path) === first) return;
    clearInterval(timer);
    onLost();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
