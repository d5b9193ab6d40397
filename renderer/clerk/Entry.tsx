// Before the workspace: enrol this counter with the hall server, then sign the clerk in.
import { Button, Form, Input } from 'antd';
import type { FormInstance, Rule } from 'antd/es/form';
import { useRef, type ReactNode } from 'react';
import type { InputRef } from 'antd';
import { useClerk } from './context.ts';
import { ConnectionBadge, NoticeArea } from './Notices.tsx';
import { checkEnrollCode, checkPassword, checkServerUrl, checkStaffNo } from './validate.ts';

const rule = (check: (value: string) => string | null): Rule => ({
  validator: (_rule, value: unknown) => {
    const problem = check(typeof value === 'string' ? value : '');
    return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
  },
});

function EntryFrame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  return (
    <div className="entry">
      <div className="entry-card">
        <div className="entry-head">
          <div className="entry-product">HallDesk 政务服务窗口综合终端</div>
          {hallName && <div className="entry-hall">{hallName}</div>}
        </div>
        <div className="entry-body">
          <h1 className="entry-title">{title}</h1>
          <p className="entry-subtitle">{subtitle}</p>
          <NoticeArea />
          {children}
        </div>
        <div className="entry-foot">
          <span>大厅服务器</span>
          <ConnectionBadge />
        </div>
      </div>
    </div>
  );
}

/** The entry screens' form: checked on blur, one wide submit button at the foot. */
function EntryForm<Fields>(props: {
  form: FormInstance<Fields>;
  onFinish: (values: Fields) => void;
  submitTestId: string;
  submitting: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  return (
    <Form<Fields>
      form={props.form}
      layout="vertical"
      requiredMark={false}
      validateTrigger="onBlur"
      size="large"
      onFinish={props.onFinish}
    >
      {props.children}
      <Button
        data-testid={props.submitTestId}
        type="primary"
        htmlType="submit"
        block
        loading={props.submitting}
      >
        {props.submitLabel}
      </Button>
    </Form>
  );
}

interface EnrollFields {
  serverUrl: string;
  code: string;
}

export function EnrollScreen() {
  const enroll = useClerk((s) => s.enroll);
  const pending = useClerk((s) => s.pending);
  const [form] = Form.useForm<EnrollFields>();
  return (
    <EntryFrame title="设备注册" subtitle="本终端尚未注册。请填写大厅服务器地址和管理员提供的 8 位注册码。">
      <EntryForm<EnrollFields>
        form={form}
        onFinish={(values) => void enroll({ serverUrl: values.serverUrl.trim(), code: values.code.trim() })}
        submitTestId="enroll-submit"
        submitting={pending === 'enroll'}
        submitLabel="注册"
      >
        <Form.Item name="serverUrl" label="大厅服务器地址" rules={[rule(checkServerUrl)]}>
          <Input
            data-testid="enroll-server-url"
            placeholder="例如 http://192.168.1.10:8080"
            autoFocus
            autoComplete="off"
            spellCheck={false}
          />
        </Form.Item>
        <Form.Item name="code" label="注册码" rules={[rule(checkEnrollCode)]}>
          <Input
            data-testid="enroll-code"
            placeholder="8 位数字"
            inputMode="numeric"
            maxLength={8}
            autoComplete="off"
          />
        </Form.Item>
      </EntryForm>
    </EntryFrame>
  );
}

interface SignInFields {
  staffNo: string;
  password: string;
}

export function SignInScreen() {
  const signIn = useClerk((s) => s.signIn);
  const pending = useClerk((s) => s.pending);
  const windowName = useClerk((s) => s.state?.window?.name ?? null);
  const [form] = Form.useForm<SignInFields>();
  const passwordRef = useRef<InputRef>(null);

  const submit = async (values: SignInFields) => {
    const ok = await signIn({ staffNo: values.staffNo.trim(), password: values.password });
    if (!ok) {
      // Keep the staff number; the clerk retypes only the password.
      form.setFieldValue('password', '');
      passwordRef.current?.focus();
    }
  };

  return (
    <EntryFrame
      title="工作人员登录"
      subtitle={windowName ? `${windowName} · 请使用本人工号登录` : '请使用本人工号登录'}
    >
      <EntryForm<SignInFields>
        form={form}
        onFinish={(values) => void submit(values)}
        submitTestId="signin-submit"
        submitting={pending === 'signIn'}
        submitLabel="登录"
      >
        <Form.Item name="staffNo" label="工号" rules={[rule(checkStaffNo)]}>
          <Input data-testid="signin-staff-no" autoFocus autoComplete="username" spellCheck={false} />
        </Form.Item>
        <Form.Item name="password" label="密码" rules={[rule(checkPassword)]}>
          <Input.Password data-testid="signin-password" autoComplete="current-password" ref={passwordRef} />
        </Form.Item>
      </EntryForm>
    </EntryFrame>
  );
}
