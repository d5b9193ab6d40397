// The frame every part of 设备设置 shares: the title; for a device section,
// where its setting comes from (本机设置, 大厅统一配置 …) with 恢复大厅配置,
// and 保存 first in its row of actions; then the part's last result.
import { Button, Spin, Tag, Tooltip, type ButtonProps } from 'antd';
import type { ReactNode } from 'react';
import type { DeviceSection, DeviceSetupView, SetupSource } from '../../../common/device-setup.ts';
import { DEVICE_SECTION_NAME, SETUP_SOURCE_NAME } from '../../../common/device-setup.ts';
import {
  SECTION_SLOT,
  useDeviceSetup,
  useDeviceSetupApi,
  type ResultSlot,
  type SetupTask,
} from './device-setup-store.ts';

type SectionFrameProps = {
  children: ReactNode;
  /** The row of buttons (after 保存 in a device section). */
  actions?: ReactNode;
  /** Below the result: a test's own result, the test page, a form of its own. */
  after?: ReactNode;
} & (
  | { section: DeviceSection; view: DeviceSetupView; onSave: () => void; saveDisabled?: boolean }
  | { title: string; result: { slot: ResultSlot; testid: string } }
);

/**
 * A device section's test ids start with its slot (outwardDisplayId's with
 * `display-`): `…-section`, `…-source`, `…-reset`, `…-save`, `…-result`.
 */
export function SectionFrame(props: SectionFrameProps) {
  const store = useDeviceSetupApi();
  const device = 'section' in props ? props : null;
  const { title, slot, resultTestId } =
    'section' in props
      ? {
          title: DEVICE_SECTION_NAME[props.section],
          slot: SECTION_SLOT[props.section],
          resultTestId: `${SECTION_SLOT[props.section]}-result`,
        }
      : { title: props.title, slot: props.result.slot, resultTestId: props.result.testid };
  const busy = useDeviceSetup((s) => s.busy[slot]);
  return (
    <section
      className="setup-section"
      aria-label={title}
      data-testid={device ? `${slot}-section` : undefined}
    >
      <header className="setup-section-head">
        <h2>{title}</h2>
        {device && <SourceTag section={device.section} view={device.view} />}
        {device?.view.sources[device.section] === 'local' && (
          <TaskButton
            size="small"
            data-testid={`${slot}-reset`}
            task="reset"
            busy={busy}
            onClick={() => void store.getState().reset(device.section)}
          >
            恢复大厅配置
          </TaskButton>
        )}
      </header>
      <div className="setup-section-body">
        {props.children}
        {(device || props.actions) && (
          <div className="setup-actions">
            {device && (
              <TaskButton
                type="primary"
                data-testid={`${slot}-save`}
                task="save"
                busy={busy}
                disabled={device.saveDisabled}
                onClick={device.onSave}
              >
                保存
              </TaskButton>
            )}
            {props.actions}
          </div>
        )}
        <Result slot={slot} testid={resultTestId} />
        {props.after}
      </div>
    </section>
  );
}

const SOURCE_COLOR: Record<SetupSource, string> = {
  local: 'blue',
  hall: 'green',
  launcher: 'gold',
  default: 'default',
};

function SourceTag({ section, view }: { section: DeviceSection; view: DeviceSetupView }) {
  const source = view.sources[section];
  const prefix = SECTION_SLOT[section];
  return (
    // outwardDisplayId's tag answers to both display-source and outwardDisplayId-source.
    <span data-testid={prefix !== section ? `${section}-source` : undefined}>
      <Tooltip title={sourceTip(source, view.hall[section] !== undefined)}>
        <Tag color={SOURCE_COLOR[source]} data-testid={`${prefix}-source`}>
          {SETUP_SOURCE_NAME[source]}
        </Tag>
      </Tooltip>
    </span>
  );
}

function sourceTip(source: SetupSource, inHall: boolean): string {
  switch (source) {
    case 'local':
      return inHall
        ? '本终端自己的设置，优先于大厅统一配置；点「恢复大厅配置」改回大厅下发的设置'
        : '本终端自己的设置；点「恢复大厅配置」后按大厅配置（大厅未配置时按启动参数或默认）';
    case 'hall':
      return '由大厅服务器统一下发；在此保存会改为本机设置';
    case 'launcher':
      return '来自终端启动参数；在此保存会改为本机设置';
    case 'default':
      return '未设置，使用默认值；在此保存会改为本机设置';
  }
}

type TaskButtonProps = ButtonProps & { task: SetupTask; busy: SetupTask | undefined };

/** A button of a part that does one thing at a time: spins while `task` runs, waits while another one does. */
export function TaskButton({ task, busy, disabled, ...button }: TaskButtonProps) {
  return (
    <Button
      {...button}
      loading={busy === task}
      disabled={disabled === true || (busy !== undefined && busy !== task)}
    />
  );
}

/** A device's test, once the device is in use (saved); until then its title says to save first. */
export function TestButton({
  section,
  inUse,
  title,
  ...button
}: TaskButtonProps & { section: DeviceSection; inUse: boolean; title: string }) {
  return (
    <TaskButton
      {...button}
      disabled={!inUse}
      title={inUse ? title : `先保存${DEVICE_SECTION_NAME[section]}设置`}
    />
  );
}

/** The last result of a part of the screen: green when it went well, red with the core's words when not. */
export function Result({
  slot,
  testid,
  waiting,
}: {
  slot: ResultSlot;
  testid: string;
  waiting?: string | null;
}) {
  const result = useDeviceSetup((s) => s.results[slot] ?? null);
  if (waiting) {
    return (
      <div className="setup-result setup-result-waiting" data-testid={testid} data-ok="" role="status">
        <Spin size="small" /> {waiting}
      </div>
    );
  }
  if (!result) return <div className="setup-result" data-testid={testid} data-ok="" />;
  return (
    <div
      className={result.ok ? 'setup-result setup-result-ok' : 'setup-result setup-result-error'}
      data-testid={testid}
      data-ok={String(result.ok)}
      role={result.ok ? 'status' : 'alert'}
    >
      {result.message}
    </div>
  );
}
