// Picks the clerk's screen: waiting for the core, device enrolment, sign-in, or the workspace.
import { App as AntApp, Spin } from 'antd';
import { useEffect } from 'react';
import { DISCONNECTED_MESSAGE } from '../transport.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { ACTION_LABEL, availability, hotkeyAction } from './logic.ts';
import { EnrollScreen, SignInScreen } from './Entry.tsx';
import { Workspace } from './Workspace.tsx';

export function ClerkApp() {
  const state = useClerk((s) => s.state);
  const link = useClerk((s) => s.link);
  useNoticeToasts();
  useHotkeys();

  let screen;
  if (!state) {
    screen = (
      <div className="clerk-waiting" data-testid="clerk-loading">
        <Spin size="large" />
        <div>
          {link === 'closed' ? DISCONNECTED_MESSAGE : link === 'open' ? '正在载入…' : '正在连接终端主程序…'}
        </div>
      </div>
    );
  } else if (!state.enrolled) {
    screen = <EnrollScreen />;
  } else if (!state.clerk) {
    screen = <SignInScreen />;
  } else {
    screen = <Workspace />;
  }
  return (
    <div className="clerk-root">
      {state && link === 'closed' && (
        <div className="link-lost" role="alert" data-testid="link-lost">
          <Spin size="small" /> {DISCONNECTED_MESSAGE}操作暂不可用，画面上的信息可能已过时。
        </div>
      )}
      <div className="clerk-screen">{screen}</div>
    </div>
  );
}

/** Every new notice also pops up as an antd message, for a clerk looking elsewhere. */
function useNoticeToasts() {
  const notice = useClerk((s) => s.notice);
  const { message } = AntApp.useApp();
  useEffect(() => {
    // A cleared notice (e.g. after a successful sign-in) takes its toast with it.
    if (!notice) return void message.destroy('clerk-notice');
    void message.open({ type: notice.kind, content: notice.message, key: 'clerk-notice', duration: 4 });
  }, [notice, message]);
}

/**
 * F1–F4 anywhere on the page, inside inputs too. The browser's own meaning
 * of those keys (help, find…) never fires; the queue actions run only on the
 * workspace, one at a time, and say why when they do not apply.
 */
function useHotkeys() {
  const store = useClerkStoreApi();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const action = hotkeyAction(event);
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      if (event.repeat) return; // A held key is one press.
      const { state, pending, runQueueAction, tell } = store.getState();
      if (!state?.clerk || state.locked) return; // 暂停服务: the lock guard (LockScreen.tsx) swallows these first anyway.
      // One action at a time; a key pressed meanwhile is refused out loud, not queued.
      if (pending) return tell('warning', `${ACTION_LABEL[action]}：上一个操作尚未完成，请稍候再按`);
      const can = availability(state, action, false);
      if (can.enabled) void runQueueAction(action);
      else if (can.reason) tell('warning', `${ACTION_LABEL[action]}：${can.reason}`);
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [store]);
}
