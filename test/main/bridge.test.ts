// The contract boundary both hosts share. A stand-in core is fine here: this
// tests dispatchCall alone; the real core is exercised in counter and e2e tests.
import { describe, expect, it } from 'vitest';
import { calls, events } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import { CALL_NAMES, EVENT_NAMES, type CallName } from '../../common/ipc-names.ts';
import { dispatchCall, type CounterCore } from '../../main/bridge.ts';

function recordingCore(answer: (name: CallName, args: unknown) => unknown = () => 'ok') {
  const seen: [CallName, unknown][] = [];
  const core: CounterCore = {
    async call(name, args) {
      seen.push([name, args]);
      return answer(name, args);
    },
    subscribe: () => () => {},
  };
  return { core, seen };
}

describe('contract', () => {
  it('names every call and event exactly once, each with schemas', () => {
    expect(Object.keys(calls).sort()).toEqual([...CALL_NAMES].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
    expect(new Set(CALL_NAMES).size).toBe(CALL_NAMES.length);
  });
});

describe('dispatchCall', () => {
  it('passes validated arguments to the core and wraps the result', async () => {
    const { core, seen } = recordingCore();
    const reply = await dispatchCall(core, 'clerk', 'signIn', { staffNo: ' 1001 ', password: '123456' });
    expect(reply).toEqual({ ok: true, result: 'ok' });
    expect(seen).toEqual([['signIn', { staffNo: '1001', password: '123456' }]]);
  });

  it('refuses an unknown call name', async () => {
    const { core, seen } = recordingCore();
    const reply = await dispatchCall(core, 'clerk', 'dropTables', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('未知的调用') } });
    expect(seen).toEqual([]);
  });

  it('refuses arguments of the wrong shape with a Chinese message naming the field', async () => {
    const { core, seen } = recordingCore();
    for (const args of [{ staffNo: 1001, password: 'x' }, { staffNo: '1001' }, 'text', [1, 2]]) {
      const reply = await dispatchCall(core, 'clerk', 'signIn', args);
      expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('参数不正确') } });
    }
    const extra = await dispatchCall(core, 'clerk', 'callNext', { ticket: 'A001' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const badCode = await dispatchCall(core, 'clerk', 'enroll', { serverUrl: 'http://h:1', code: '12ab' });
    expect(badCode).toMatchObject({ ok: false, error: { message: expect.stringContaining('注册码应为 8 位数字') } });
    expect(seen).toEqual([]);
  });

  it('lets the outward screen read its view but not act as the clerk', async () => {
    const { core, seen } = recordingCore();
    expect(await dispatchCall(core, 'outward', 'getOutwardView', {})).toEqual({ ok: true, result: 'ok' });
    const reply = await dispatchCall(core, 'outward', 'callNext', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(seen.map(([name]) => name)).toEqual(['getOutwardView']);
  });

  it('turns core errors into data: HallError keeps its code, anything else becomes INTERNAL', async () => {
    const hall = recordingCore(() => {
      throw new HallError('NO_CURRENT_TICKET', '当前没有正在办理的号', 409);
    });
    expect(await dispatchCall(hall.core, 'clerk', 'recall', {})).toEqual({
      ok: false,
      error: { code: 'NO_CURRENT_TICKET', message: '当前没有正在办理的号' },
    });
    const crash = recordingCore(() => {
      throw new TypeError('undefined is not a function');
    });
    const reply = await dispatchCall(crash.core, 'clerk', 'recall', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(reply)).not.toContain('undefined is not a function');
  });
});
