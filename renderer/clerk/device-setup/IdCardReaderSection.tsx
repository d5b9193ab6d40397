// 身份证阅读器 in 设备设置: the reader's serial port (USB CDC) and baud rate;
// 读卡测试 waits for a card and shows its fields masked (the form is not filled).
import { Button } from 'antd';
import type { DeviceSettingChange, DeviceSetupView } from '../../../common/device-setup.ts';
import { DEFAULT_ID_CARD_BAUD, type IdCardReaderSetup } from '../../../common/id-card.ts';
import { checkBaud, checkDevicePath, type Checked, type FieldErrors } from './device-setup-logic.ts';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { BaudField, NotUsedField, PORT_LIST_ID, TextField, useSectionForm } from './fields.tsx';
import { Result, SectionFrame, TestButton } from './SectionFrame.tsx';

export interface IdCardReaderForm {
  enabled: boolean;
  port: string;
  baud: string;
}

export function idCardReaderFormOf(setup: IdCardReaderSetup | null): IdCardReaderForm {
  return setup
    ? { enabled: true, port: setup.port, baud: String(setup.baudRate) }
    : { enabled: false, port: '', baud: String(DEFAULT_ID_CARD_BAUD) };
}

export function idCardReaderChange(form: IdCardReaderForm): Checked<DeviceSettingChange> {
  if (!form.enabled) return { ok: true, change: { section: 'idCardReader', value: null } };
  const errors: FieldErrors = {};
  const port = checkDevicePath(form.port, '身份证阅读器串口', '/dev/ttyACM0 或 COM4');
  if (port) errors.port = port;
  const baud = checkBaud(form.baud);
  if (baud) errors.baud = baud;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, change: { section: 'idCardReader', value: { port: form.port.trim(), baudRate: Number(form.baud) } } };
}

export function IdCardReaderSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const testing = useDeviceSetup((s) => s.busy.idCardTest);
  const portsLoading = useDeviceSetup((s) => s.portsLoading);
  const portsNote = useDeviceSetup((s) => s.portsNote);
  const portCount = useDeviceSetup((s) => s.ports.length);
  const { form, setEnabled, bind, save } = useSectionForm(
    () => idCardReaderFormOf(view.effective.idCardReader),
    idCardReaderChange,
  );
  return (
    <SectionFrame
      section="idCardReader"
      view={view}
      onSave={save}
      actions={
        <TestButton
          section="idCardReader"
          inUse={view.effective.idCardReader !== null}
          data-testid="id-card-test"
          task="test"
          busy={testing}
          title="把身份证放到阅读器上，显示读到的内容（已遮挡）；不填入办件"
          onClick={() => void store.getState().testIdCardReader()}
        >
          读卡测试
        </TestButton>
      }
      after={
        <Result
          slot="idCardTest"
          testid="id-card-test-result"
          waiting={testing ? '请把身份证平放在阅读器感应区（20 秒内）…' : null}
        />
      }
    >
      <NotUsedField
        label="不使用身份证阅读器"
        testid="id-card-disabled"
        hint="本窗口现在没有身份证阅读器（申请人信息手工录入）；填写下面的设置并保存即启用"
        enabled={form.enabled}
        setEnabled={setEnabled}
      />
      <TextField
        label="串口"
        hint={
          portsNote ??
          (portCount > 0 ? `找到 ${portCount} 个串口，可从下拉中选择` : '阅读器的 USB 串口，例如 /dev/ttyACM0 或 COM4')
        }
        data-testid="id-card-port"
        list={PORT_LIST_ID}
        placeholder="/dev/ttyACM0 或 COM4"
        spellCheck={false}
        autoComplete="off"
        {...bind('port')}
        button={
          <Button loading={portsLoading} onClick={() => void store.getState().refreshPorts()}>
            刷新串口
          </Button>
        }
      />
      <BaudField testid="id-card-baud" {...bind('baud')} />
    </SectionFrame>
  );
}
