// Waiting on the counter core's views, and catching its errors, in tests.
import { expect } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { Counter } from '../../main/counter-api.ts';

/** Resolves with the first view (current or emitted) that satisfies `test`. */
export function waitFor<T extends ClerkState | OutwardView>(
  counter: Counter,
  name: 'clerkState' | 'outwardView',
  test: (view: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (view: T) => {
      clearTimeout(timer);
      stop();
      resolve(view);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${name}`));
    }, timeoutMs);
    const stop = counter.subscribe((event, payload) => {
      if (event === name && test(payload as T)) done(payload as T);
    });
    void counter.call(name === 'clerkState' ? 'getClerkState' : 'getOutwardView', {}).then((view) => {
      if (test(view as T)) done(view as T);
    });
  });
}

/** The HallError a promise rejects with (fails the test if it resolves or throws anything else). */
export async function failure(promise: Promise<unknown>): Promise<HallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HallError);
  return error as HallError;
}
