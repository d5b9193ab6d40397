// 服务器与注册 in 设备设置: the hall server's address, this counter's window
// and device number; 更换地址 when the server moves (no new enrollment), and
// 重新注册 with a new code. Both ask first.
import { App as AntApp, Button } from 'antd';
import { useState, type ReactNode } from 'react';
import type { DeviceSetupView } from '../../../common/device-setup.ts';
import { useClerkStoreApi } from '../context.ts';
import { checkEnrollCode, checkServerUrl } from '../validate.ts';
import { reenrolledText, useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { TextField } from './fields.tsx';
import { Result, SectionFrame } from './SectionFrame.tsx';

/** The question before 更换地址 / 重新注册 (Esc belongs to it while open: DeviceSetup.tsx). */
export const CONFIRM_CLASS = 'device-setup-confirm';

function useConfirm() {
  const { modal } = AntApp.useApp();
  return (question: {
    title: string;
    content: ReactNode;
    okText: string;
    okTestId: string;
    onOk: () => Promise<void>;
  }) =>
    modal.confirm({
      title: question.title,
      className: CONFIRM_CLASS,
      content: question.content,
      okText: question.okText,
      cancelText: '取消',
      okButtonProps: { 'data-testid': question.okTestId } as Record<`data-${string}`, string>,
      onOk: question.onOk,
    });
}

/** The address fields' shared look. */
const URL_INPUT = {
  placeholder: '例如 http://192.168.1.10:8080',
  spellCheck: false,
  autoComplete: 'off',
} as const;

export function ServerSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const confirm = useConfirm();
  const busy = useDeviceSetup((s) => s.busy.server);
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const { server } = view;
  const submit = () => {
    const problem = checkServerUrl(url);
    if (problem) return setError(problem);
    const next = url.trim();
    if (server.url && next.replace(/\/+$/, '') === server.url.replace(/\/+$/, '')) {
      return setError('新地址与当前地址相同');
    }
    setError(null);
    confirm({
      title: '更换大厅服务器地址？',
      content: (
        <div>
          从 <code>{server.url ?? '（未设置）'}</code> 改为 <code>{next}</code>。
          <br />
          新地址须认可本终端（同一台注册过的设备）才会更换，否则保持原地址。
        </div>
      ),
      okText: '更换',
      okTestId: 'server-confirm',
      onOk: async () => {
        if (await store.getState().changeServer(next)) setUrl('');
      },
    });
  };
  return (
    <SectionFrame
      title="服务器与注册"
      result={{ slot: 'server', testid: 'server-result' }}
      after={<ReenrollForm currentUrl={server.url} />}
    >
      <dl className="setup-facts">
        <dt>大厅服务器</dt>
        <dd data-testid="server-current">{server.url ?? '未设置'}</dd>
        <dt>窗口</dt>
        <dd data-testid="server-window">{server.windowName ?? '未分配窗口'}</dd>
        <dt>设备编号</dt>
        <dd data-testid="server-device-no">{server.deviceNo ?? '—'}</dd>
      </dl>
      <TextField
        label="新地址"
        error={error ?? undefined}
        hint="大厅服务器搬迁或改了地址时填写；本终端无需重新注册"
        data-testid="server-url"
        value={url}
        {...URL_INPUT}
        onText={setUrl}
        onPressEnter={submit}
        button={
          <Button data-testid="server-save" loading={busy === 'save'} onClick={submit}>
            更换地址
          </Button>
        }
      />
    </SectionFrame>
  );
}

/**
 * 重新注册: a new identity from a new 8-digit code (the admin's
 * `node server/main.ts enroll-code --window N`), when the PC moves to another
 * window or takes a new identity. The core refuses while records wait to be
 * uploaded, and keeps the old enrollment when the code is refused.
 */
function ReenrollForm({ currentUrl }: { currentUrl: string | null }) {
  const store = useDeviceSetupApi();
  const clerkStore = useClerkStoreApi();
  const confirm = useConfirm();
  const busy = useDeviceSetup((s) => s.busy.reenroll);
  const [url, setUrl] = useState(currentUrl ?? '');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<{ url?: string; code?: string }>({});
  const submit = () => {
    const found = { url: checkServerUrl(url) ?? undefined, code: checkEnrollCode(code) ?? undefined };
    setErrors(found);
    if (found.url || found.code) return;
    const target = url.trim();
    const oneTime = code.trim();
    confirm({
      title: '重新注册本终端？',
      content: (
        <div data-testid="reenroll-confirm-text">
          本终端将以新身份注册到 <code>{target}</code>；注册后需重新登录。
          <br />
          窗口按新注册码确定，本窗口的叫号状态和本机保存的离线登录记录将清除；原注册在服务器拒绝注册码时保持不变。
        </div>
      ),
      okText: '重新注册',
      okTestId: 'reenroll-confirm',
      onOk: async () => {
        const state = await store.getState().reenroll(target, oneTime);
        if (state) clerkStore.getState().tell('info', reenrolledText(target, state));
      },
    });
  };
  return (
    <div className="setup-reenroll" style={{ marginTop: 16 }}>
      <p className="setup-note">
        本终端搬到其他窗口、或需要新的设备身份时：向管理员索取新的 8
        位注册码后重新注册。须先将本机记录全部上传到大厅服务器。
      </p>
      <TextField
        label="服务器地址"
        error={errors.url}
        data-testid="reenroll-server-url"
        value={url}
        {...URL_INPUT}
        onText={setUrl}
        onPressEnter={submit}
      />
      <TextField
        label="新注册码"
        error={errors.code}
        data-testid="reenroll-code"
        value={code}
        inputMode="numeric"
        maxLength={8}
        placeholder="8 位数字"
        autoComplete="off"
        onText={setCode}
        onPressEnter={submit}
        button={
          <Button data-testid="reenroll-submit" danger loading={busy === 'reenroll'} onClick={submit}>
            重新注册
          </Button>
        }
      />
      <Result slot="reenroll" testid="reenroll-result" />
    </div>
  );
}
