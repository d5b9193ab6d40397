// The one boundary every renderer message crosses, whichever host carries it
// (Electron IPC or the browser host's WebSocket): check the caller's screen,
// validate the arguments against the contract, run the call, and answer with
// data — never a thrown error, never a crash.
import { calls, type Reply } from '../common/contract.ts';
import { describeIssues, HallError } from '../common/errors.ts';
import { CALL_NAMES, type CallName, type EventName, type ScreenRole } from '../common/ipc-names.ts';
import type { Logger } from './log.ts';

/** What a host needs from the counter core. */
export interface CounterCore {
  /** Runs a call whose arguments were already validated. */
  call(name: CallName, args: unknown): Promise<unknown>;
  /** Listens to contract events; returns the unsubscribe function. */
  subscribe(listener: (name: EventName, payload: unknown) => void): () => void;
}

const isCallName = (name: unknown): name is CallName =>
  typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);

export async function dispatchCall(
  core: CounterCore,
  role: ScreenRole,
  name: unknown,
  args: unknown,
  log?: Logger,
): Promise<Reply> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: `未知的调用：${String(name).slice(0, 40)}` } };
  }
  const spec = calls[name];
  if (!(spec.from as readonly ScreenRole[]).includes(role)) {
    return { ok: false, error: { code: 'FORBIDDEN', message: `${role === 'outward' ? '对外屏' : '工作台'}无权执行「${name}」` } };
  }
  const parsed = spec.args.safeParse(args ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: `参数不正确：${describeIssues(parsed.error)}` } };
  }
  try {
    return { ok: true, result: await core.call(name, parsed.data) };
  } catch (error) {
    if (error instanceof HallError) return { ok: false, error: error.toJSON() };
    log?.error('call failed', { call: name, error: String(error) });
    return { ok: false, error: { code: 'INTERNAL', message: '终端内部错误，请重试；如反复出现请联系管理员' } };
  }
}
