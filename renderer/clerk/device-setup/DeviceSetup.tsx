// 设备设置 (hall managers only; Alt+D or the header button): the window's
// evaluator, printer, outward display, voice, the hall server address, and
// export / import of the whole setup. Each device section shows where its
// setting comes from (本机设置, 大厅统一配置 …), saves as this counter's own
// setting after an inline check, can go back to the hall's, and has its own
// test (SectionFrame.tsx). State in device-setup-store.ts, the form rules in
// device-setup-logic.ts.
import { Spin } from 'antd';
import type { DeviceSection, DeviceSetupView } from '../../../common/device-setup.ts';
import { managerOnlyMessage } from '../../../common/errors.ts';
import { DEVICE_SETUP_HOTKEY, isDeviceSetupHotkey } from '../idle.ts';
import { ManagerDrawerButton, ManagerDrawerFrame, useManagerDrawer } from '../manager-drawer.tsx';
import { RetryAlert } from '../Notices.tsx';
import { useDeviceSetup, useDeviceSetupApi, type SaveFile } from './device-setup-store.ts';
import { EvaluatorSection } from './EvaluatorSection.tsx';
import { SerialLists } from './fields.tsx';
import { OutwardSection } from './OutwardSection.tsx';
import { PrinterSection } from './PrinterSection.tsx';
import { CONFIRM_CLASS, ServerSection } from './ServerSection.tsx';
import { TransferSection } from './TransferSection.tsx';
import { UnlockSection } from './UnlockSection.tsx';
import { VoiceSection } from './VoiceSection.tsx';
import { IdCardReaderSection } from './IdCardReaderSection.tsx';

export const DEVICE_SETUP_MANAGERS_ONLY = managerOnlyMessage('设备设置');

/** The page's way: a Blob behind an object URL, clicked through an <a download>. */
export const downloadText: SaveFile = (fileName, text) => {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

/** Esc belongs to the 更换地址？ / 重新注册？ question while it is open. */
const confirmationOpen = () => {
  const confirm = document.querySelector<HTMLElement>(`.${CONFIRM_CLASS}`);
  return confirm !== null && confirm.offsetParent !== null;
};

/** Alt+D: opens (or closes) 设备设置 for a manager; a clerk is told why not. Esc closes it. */
export function useDeviceSetupHotkeys() {
  useManagerDrawer({
    drawer: useDeviceSetupApi(),
    isHotkey: isDeviceSetupHotkey,
    refusal: DEVICE_SETUP_MANAGERS_ONLY,
    escapeTakenInside: confirmationOpen,
  });
}

/** 设备设置 in the header, for a manager only. */
export function DeviceSetupButton() {
  return (
    <ManagerDrawerButton
      drawer={useDeviceSetupApi()}
      testid="open-device-setup"
      label="设备设置"
      hotkey={DEVICE_SETUP_HOTKEY}
      title="打印机、评价器、外屏、语音和服务器地址"
    />
  );
}

export function DeviceSetupDrawer() {
  const store = useDeviceSetupApi();
  const open = useDeviceSetup((s) => s.open);
  const view = useDeviceSetup((s) => s.view);
  const loading = useDeviceSetup((s) => s.loading);
  const loadError = useDeviceSetup((s) => s.loadError);
  return (
    <ManagerDrawerFrame
      drawer={store}
      open={open}
      title="设备设置"
      hotkey={DEVICE_SETUP_HOTKEY}
      closeTestId="device-setup-close"
    >
      <div className="setup" data-testid="device-setup" data-esc-local>
        {loadError && (
          <RetryAlert
            title={`读取设备设置失败：${loadError}`}
            onRetry={() => void store.getState().load()}
            testid="device-setup-error"
          />
        )}
        {!view ? (
          loading && (
            <div className="setup-loading">
              <Spin /> 正在读取设备设置…
            </div>
          )
        ) : (
          <SetupSections view={view} />
        )}
      </div>
    </ManagerDrawerFrame>
  );
}

function SetupSections({ view }: { view: DeviceSetupView }) {
  // A section's form starts again from what is in use whenever that changes (saved, reset, imported).
  const keyOf = (section: DeviceSection) =>
    `${section}:${view.sources[section]}:${JSON.stringify(view.effective[section])}`;
  return (
    <>
      <SerialLists />
      <EvaluatorSection key={keyOf('evaluator')} view={view} />
      <IdCardReaderSection key={keyOf('idCardReader')} view={view} />
      <PrinterSection key={keyOf('printer')} view={view} />
      <OutwardSection key={keyOf('outwardDisplayId')} view={view} />
      <VoiceSection key={keyOf('voice')} view={view} />
      <ServerSection view={view} />
      <TransferSection />
      <UnlockSection />
    </>
  );
}
