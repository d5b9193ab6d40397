// Who works at the window: 登录 (online, or offline against the stored
// verifier), 退出, and 暂停服务 (lock; the signed-in clerk's password unlocks).
// Passwords checked here are throttled (sign-in-throttle.ts); a restart signs
// the clerk out, here at once and at the hall server when it answers.
import type { CallHandlers, CallInput, ClerkState } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { RatingService } from '../ratings/rating-service.ts';
import type { HallLink } from '../sync/hall-link.ts';
import type { ClerkCredentials } from './clerk-credentials.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export type SessionCall = 'signIn' | 'signOut' | 'lockScreen' | 'unlockScreen' | 'unlockStaffSignIn';

export interface SessionDeps {
  state: CounterState;
  credentials: ClerkCredentials;
  throttle: SignInThrottle;
  ratings: RatingService;
  cases: CaseService;
  link: HallLink;
  clerkState: () => ClerkState;
}

export function sessionHandlers(deps: SessionDeps): CallHandlers<SessionCall> {
  const { state, credentials, throttle, ratings, cases, link, clerkState } = deps;
  const log = state.log;

  /** The server is unreachable: the clerk's stored verifier decides, and the counter works locally. */
  async function signInOffline(args: CallInput<'signIn'>): Promise<ClerkState> {
    throttle.refuseIfLocked(args.staffNo);
    const check = await credentials.check(args.staffNo, args.password);
    if (check.result === 'unknown') {
      throw new HallError('SERVER_UNREACHABLE', '该工号未在本终端联网登录过，离线时无法登录；请联网后登录', 503);
    }
    if (check.result === 'wrong-password') {
      log.warn('offline sign-in refused', { staffNo: args.staffNo });
      throw await throttle.failed(args.staffNo, new HallError('SIGN_IN_FAILED', '工号或密码错误，请重新输入', 401));
    }
    throttle.succeeded(args.staffNo);
    const window = state.window();
    if (!window) throw new HallError('SERVER_UNREACHABLE', '本终端尚未取得窗口配置，离线时无法登录；请联网后登录', 503);
    state.offlineClerk = check.staff;
    state.setLocked(false);
    state.setStatus({ window, current: state.status?.current ?? null, clerk: check.staff });
    log.info('clerk signed in offline', { staffNo: check.staff.staffNo });
    ratings.clerkSignedIn(check.staff.staffNo, check.staff.name);
    state.publish();
    return clerkState();
  }

  return {
    async signIn(args) {
      const client = state.requireClient();
      // Unreachable: the sign-in below finds out too, and goes offline.
      await settleOwedSignOut(state).catch(() => {});
      let result;
      try {
        result = await state.online(() => client.request('signIn', { body: args }));
      } catch (error) {
        if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return signInOffline(args);
        // A password the server refuses no longer opens this counter offline either.
        if (error instanceof HallError && error.code === 'SIGN_IN_FAILED') credentials.forget(args.staffNo);
        throw error;
      }
      state.offlineClerk = null;
      state.setLocked(false);
      // Signed in at the server: a sign-out a restart still owed it must not end this session.
      state.store.saveSignOutOwed(false);
      throttle.succeeded(args.staffNo);
      log.info('clerk signed in', { staffNo: result.staff.staffNo });
      try {
        await credentials.remember(result.staff, args.password);
      } catch (error) {
        log.warn('offline sign-in verifier not stored', { staffNo: result.staff.staffNo, error: String(error) });
      }
      ratings.clerkSignedIn(result.staff.staffNo, result.staff.name);
      await link.refreshWindow();
      return clerkState();
    },

    async signOut() {
      const client = state.requireClient();
      let offline = state.offlineClerk !== null;
      if (offline) {
        // Signed in offline: the server never knew; sign out here.
        state.offlineClerk = null;
        if (state.status) state.setStatus({ ...state.status, clerk: null });
      } else if (!(await signOutAtServer(state, client))) {
        // Signed in online, the server out of reach: signed out here at once, and owed to the server,
        // which hears it before the next pull or sign-in (settleOwedSignOut), whoever signs in meanwhile.
        offline = true;
        const staffNo = state.status?.clerk?.staffNo ?? null;
        state.store.saveSignOutOwed(true);
        if (state.status) state.setStatus({ ...state.status, clerk: null });
        log.info('signed out offline, the hall server is told when it answers', { staffNo });
      }
      cases.clearShown();
      // A rating still open runs on, stored against the clerk who served (docs/ratings-and-queue.md).
      ratings.clerkSignedOut();
      state.setLocked(false);
      if (offline) await link.refreshWindow().catch(() => state.publish());
      else await link.refreshWindow();
      return clerkState();
    },

    lockScreen() {
      const clerk = state.requireClerk();
      if (!state.isLocked()) {
        state.setLocked(true);
        // A citizen still rating keeps the prompt (outward screen and evaluator) until
        // answered or timed out; then the evaluator shows 暂停服务 (docs/ratings-and-queue.md).
        ratings.display('paused');
        log.info('screen locked', { staffNo: clerk.staffNo });
      }
      state.publish();
      return clerkState();
    },

    /** 登录解锁 (a manager; the contract checks): here, and at the hall server when it answers. */
    async unlockStaffSignIn({ staffNo }) {
      const manager = state.requireManager();
      const here = throttle.unlock(staffNo);
      let hall: boolean | null = null;
      try {
        const client = state.requireClient();
        const { cleared } = await state.online(() => client.request('managerUnlockSignIn', { body: { staffNo } }));
        hall = cleared.length > 0;
      } catch (error) {
        if (!(error instanceof HallError) || error.code !== 'SERVER_UNREACHABLE') throw error;
      }
      log.info('sign-in unlocked', { staffNo, by: manager.staffNo, here, hall });
      if (hall === null) {
        return {
          staffNo,
          message: here
            ? `已解除工号 ${staffNo} 在本机的登录锁定；大厅服务器未连接，联网后如仍提示锁定请再解锁一次`
            : `工号 ${staffNo} 在本机没有登录锁定；大厅服务器未连接，联网后如仍提示锁定请再解锁`,
        };
      }
      return {
        staffNo,
        message: here || hall ? `已解除工号 ${staffNo} 的登录锁定，可以重新登录` : `工号 ${staffNo} 没有登录锁定，无需解锁`,
      };
    },

    async unlockScreen({ password }) {
      const clerk = state.requireClerk();
      if (!state.isLocked()) return clerkState();
      const wrong = () => new HallError('SIGN_IN_FAILED', '密码错误，请重新输入', 401);
      throttle.refuseIfLocked(clerk.staffNo);
      const check = await credentials.check(clerk.staffNo, password);
      if (check.result === 'wrong-password') {
        log.warn('unlock refused', { staffNo: clerk.staffNo });
        throw await throttle.failed(clerk.staffNo, wrong());
      }
      if (check.result === 'unknown') {
        // No stored verifier: the hall server checks (the same clerk signs in again at this window).
        let result;
        try {
          const client = state.requireClient();
          result = await state.online(() => client.request('signIn', { body: { staffNo: clerk.staffNo, password } }));
        } catch (error) {
          if (error instanceof HallError && error.code === 'SIGN_IN_FAILED') throw wrong();
          if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
            throw new HallError(
              'SERVER_UNREACHABLE',
              '无法连接大厅服务器核对密码，本终端也没有该工号的离线登录记录：请联网后再解锁，或退出登录',
              503,
            );
          }
          throw error;
        }
        try {
          await credentials.remember(result.staff, password);
        } catch (error) {
          log.warn('offline sign-in verifier not stored', { staffNo: clerk.staffNo, error: String(error) });
        }
      }
      throttle.succeeded(clerk.staffNo);
      state.setLocked(false);
      log.info('screen unlocked', { staffNo: clerk.staffNo });
      ratings.display(state.status?.current ? 'serving' : 'idle');
      state.publish();
      return clerkState();
    },
  };
}

/**
 * 退出 at the hall server. False when the server cannot be reached (or is
 * already known to be out of reach: the clerk does not wait for a timeout);
 * any other refusal is thrown.
 */
async function signOutAtServer(state: CounterState, client: ReturnType<CounterState['requireClient']>): Promise<boolean> {
  if (state.connection.state === 'offline') return false;
  try {
    await state.online(() => client.request('signOut'));
    return true;
  } catch (error) {
    if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return false;
    throw error;
  }
}

/** On start: a clerk the last run left signed in is signed out here at once, and at the hall server once it answers. */
export function signOutAfterRestart(state: CounterState): void {
  const clerk = state.status?.clerk;
  if (!clerk || !state.status) return;
  state.setStatus({ ...state.status, clerk: null });
  state.store.saveSignOutOwed(true);
  state.log.info('signed out by the restart', { staffNo: clerk.staffNo });
}

const settling = new WeakMap<CounterState, Promise<void>>();

/**
 * The sign-out a restart owes reaches the hall server: when the link is up,
 * before the window's status is read, and before a sign-in (so it can never
 * land after one). One request at a time; the flag clears once it went through.
 */
export function settleOwedSignOut(state: CounterState): Promise<void> {
  const running = settling.get(state);
  if (running) return running;
  if (!state.store.signOutOwed()) return Promise.resolve();
  const run = (async () => {
    await state.requireClient().request('signOut');
    state.store.saveSignOutOwed(false);
  })().finally(() => settling.delete(state));
  settling.set(state, run);
  return run;
}
