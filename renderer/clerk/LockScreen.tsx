// 暂停服务: the header button and Alt+L, the idle timer (idle.ts) and the
// lock screen over the workspace. While locked only the password field works:
// a guard installed before anything else (main.tsx) swallows F1–F4 and every
// other hotkey, and the lock screen is an antd Modal so its focus trap wins
// over any drawer or dialog left open underneath.
import { Button, Input, Modal, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useClerk, useClerkStoreApi } from './context.ts';
import {
  ACTIVITY_EVENTS,
  createIdleTimer,
  isLockHotkey,
  keyAllowedWhileLocked,
  LOCK_HOTKEY,
} from './idle.ts';
import type { ClerkStore } from './store.ts';

const isLocked = (store: ClerkStore) => store.state?.clerk != null && store.state.locked;

/**
 * Swallows every key but the password's while the screen is locked. Installed
 * on window in the capture phase before any other listener, so no hotkey
 * handler (F1–F4, F6–F10, Alt+…) hears the key at all.
 */
export function installLockGuard(store: StoreApi<ClerkStore>): () => void {
  const onKeyDown = (event: KeyboardEvent) => {
    if (!isLocked(store.getState()) || keyAllowedWhileLocked(event)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  };
  window.addEventListener('keydown', onKeyDown, { capture: true });
  return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
}

/** Alt+L, and the idle timer: ClerkState.idleLockMinutes without keyboard, mouse or touch → 暂停服务. */
export function useLockTriggers() {
  const store = useClerkStoreApi();
  const locked = useClerk(isLocked);
  const minutes = useClerk((s) => s.state?.idleLockMinutes ?? null);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isLockHotkey(event)) return;
      event.preventDefault();
      event.stopPropagation();
      if (event.repeat) return;
      const clerk = store.getState();
      if (!clerk.state?.clerk || clerk.state.locked) return;
      if (clerk.pending) return clerk.tell('warning', '暂停服务：上一个操作尚未完成，请稍候再按');
      void clerk.lock();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [store]);

  useEffect(() => {
    if (locked || !minutes) return;
    const timer = createIdleTimer({
      timeoutMs: minutes * 60_000,
      clock: {
        now: () => Date.now(),
        setTimeout: (run, ms) => window.setTimeout(run, ms),
        clearTimeout: (id) => window.clearTimeout(id),
      },
      onIdle: () => {
        const clerk = store.getState();
        if (!clerk.state?.clerk || clerk.state.locked) return true;
        if (clerk.pending) return false; // Asked again a little later.
        void clerk.lock();
        return true;
      },
    });
    const onActivity = () => timer.activity();
    for (const name of ACTIVITY_EVENTS)
      window.addEventListener(name, onActivity, { capture: true, passive: true });
    return () => {
      timer.stop();
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity, { capture: true });
    };
  }, [store, locked, minutes]);
}

/** 暂停服务 in the header. */
export function PauseButton() {
  const lock = useClerk((s) => s.lock);
  const pending = useClerk((s) => s.pending);
  return (
    <Button
      data-testid="pause-service"
      ghost
      className="ws-header-button"
      title={`暂停服务并锁定工作台（${LOCK_HOTKEY}），对外屏显示「暂停服务」`}
      onClick={() => void lock()}
      loading={pending === 'lockScreen'}
      disabled={pending !== null && pending !== 'lockScreen'}
    >
      暂停服务 <kbd>{LOCK_HOTKEY}</kbd>
    </Button>
  );
}

/** Over the whole workspace while ClerkState.locked: who, the password, 解锁 and 切换工作人员. */
export function LockScreen() {
  const locked = useClerk(isLocked);
  return (
    <Modal
      open={locked}
      closable={false}
      keyboard={false}
      mask={{ closable: false }}
      footer={null}
      zIndex={1900}
      width="100%"
      className="lock-modal"
      transitionName=""
      maskTransitionName=""
      destroyOnHidden
      modalRender={() => (locked ? <LockPanel /> : null)}
    />
  );
}

function LockPanel() {
  const clerk = useClerk((s) => s.state?.clerk ?? null);
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  const windowName = useClerk((s) => s.state?.window?.name ?? '');
  const minutes = useClerk((s) => s.state?.idleLockMinutes ?? null);
  const lockError = useClerk((s) => s.lockError);
  const pending = useClerk((s) => s.pending);
  const unlock = useClerk((s) => s.unlock);
  const signOut = useClerk((s) => s.signOut);
  const [password, setPassword] = useState('');
  const passwordRef = useRef<InputRef>(null);

  // The modal focuses itself when it opens; the password field takes it right after.
  useEffect(() => {
    const timer = window.setTimeout(() => passwordRef.current?.focus(), 0);
    return () => window.clearTimeout(timer);
  }, []);

  const submit = async () => {
    const ok = await unlock(password);
    if (!ok) {
      setPassword('');
      passwordRef.current?.focus();
    }
  };

  if (!clerk) return null;
  return (
    <div className="lock-screen" data-testid="lock-screen" aria-label="暂停服务中">
      <div className="lock-card">
        <div className="lock-where">
          {hallName}
          {windowName && <span className="lock-window">{windowName}</span>}
        </div>
        <h1 className="lock-title">暂停服务中</h1>
        <div className="lock-who">
          <span className="lock-name" data-testid="lock-clerk-name">
            {clerk.name}
          </span>
          <span className="lock-meta">
            工号 <span data-testid="lock-staff-no">{clerk.staffNo}</span> · {clerk.department}
          </span>
        </div>
        <p className="lock-hint">对外屏正在显示「暂停服务」。请输入本人登录密码，按 Enter 解锁继续办理。</p>
        <form
          className="lock-form"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Input.Password
            ref={passwordRef}
            data-testid="lock-password"
            size="large"
            placeholder="登录密码"
            autoFocus
            autoComplete="current-password"
            value={password}
            status={lockError ? 'error' : undefined}
            onChange={(event) => setPassword(event.target.value)}
          />
          <div className="lock-error" role="alert" data-testid="lock-error">
            {lockError}
          </div>
          <Button
            data-testid="lock-unlock"
            type="primary"
            htmlType="submit"
            size="large"
            block
            loading={pending === 'unlockScreen'}
            disabled={pending !== null && pending !== 'unlockScreen'}
          >
            解锁
          </Button>
          <Button
            data-testid="lock-switch-user"
            size="large"
            block
            loading={pending === 'signOut'}
            disabled={pending !== null && pending !== 'signOut'}
            onClick={() => void signOut()}
          >
            切换工作人员
          </Button>
        </form>
        <div className="lock-foot">
          离开柜台时按 <kbd>{LOCK_HOTKEY}</kbd> 暂停服务
          {minutes ? `；无操作 ${minutes} 分钟也会自动暂停` : ''}
        </div>
      </div>
    </div>
  );
}
