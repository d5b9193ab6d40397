// 打印机 in 设备设置: how it is connected (network, serial, USB), paper
// width, its own QR codes, its font and status queries; 打印测试页 with a
// preview of the page as printed.
import type { DeviceSetupView } from '../../../common/device-setup.ts';
import {
  FLOW_CONTROL_TEXT,
  printerChange,
  printerFormOf,
  PRINTER_FONT_HINT,
  PRINTER_FONT_TEXT,
  PRINTER_FONTS,
  PRINTER_KIND_TEXT,
  PRINTER_STATUS_QUERIES_HINT,
} from './device-setup-logic.ts';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import {
  BaudField,
  ChoiceField,
  NotUsedField,
  PORT_LIST_ID,
  SwitchField,
  TextField,
  useSectionForm,
} from './fields.tsx';
import { Result, SectionFrame, TestButton } from './SectionFrame.tsx';

const KINDS = ['tcp', 'serial', 'usb'] as const;
const FLOW_CONTROLS = ['none', 'rtscts', 'xonxoff'] as const;
const WIDTHS = [58, 80] as const;
const WIDTH_TEXT: Record<(typeof WIDTHS)[number], string> = { 58: '58 毫米', 80: '80 毫米' };

export function PrinterSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const testing = useDeviceSetup((s) => s.busy.printerTest);
  const preview = useDeviceSetup((s) => s.printerPreview);
  const { form, setEnabled, edit, bind, save } = useSectionForm(
    () => printerFormOf(view.effective.printer),
    printerChange,
  );
  const inUse = view.effective.printer !== null;
  return (
    <SectionFrame
      section="printer"
      view={view}
      onSave={save}
      actions={
        <TestButton
          section="printer"
          inUse={inUse}
          data-testid="printer-test"
          task="test"
          busy={testing}
          title="打印一张测试页"
          onClick={() => void store.getState().testPrinter()}
        >
          打印测试页
        </TestButton>
      }
      after={
        <>
          <Result
            slot="printerTest"
            testid="printer-test-result"
            waiting={testing ? '正在打印测试页…' : null}
          />
          {preview && (
            <img
              className="setup-preview"
              src={preview}
              alt="测试页预览"
              data-testid="printer-test-preview"
            />
          )}
        </>
      }
    >
      <NotUsedField
        label="不使用打印机"
        testid="printer-disabled"
        hint="本窗口现在不用打印机；填写下面的设置并保存即启用"
        enabled={form.enabled}
        setEnabled={setEnabled}
      />
      <ChoiceField
        label="连接方式"
        testid="printer-kind"
        value={form.kind}
        choices={KINDS}
        text={PRINTER_KIND_TEXT}
        onChoose={(kind) => edit({ kind })}
      />
      {form.kind === 'tcp' ? (
        <>
          <TextField
            label="IP 地址"
            data-testid="printer-host"
            placeholder="例如 192.168.1.50"
            spellCheck={false}
            {...bind('host')}
          />
          <TextField
            label="端口"
            hint="网络打印机通常为 9100"
            data-testid="printer-tcp-port"
            className="setup-narrow"
            inputMode="numeric"
            {...bind('tcpPort')}
          />
        </>
      ) : (
        <TextField
          label={form.kind === 'serial' ? '串口' : 'USB 设备'}
          data-testid="printer-path"
          list={form.kind === 'serial' ? PORT_LIST_ID : undefined}
          placeholder={form.kind === 'serial' ? '/dev/ttyS0 或 COM1' : '/dev/usb/lp0'}
          spellCheck={false}
          autoComplete="off"
          {...bind('path')}
        />
      )}
      {form.kind === 'serial' && (
        <>
          <BaudField testid="printer-baud" {...bind('baud')} />
          <ChoiceField
            label="流控"
            testid="printer-flow-control"
            value={form.flowControl}
            choices={FLOW_CONTROLS}
            text={FLOW_CONTROL_TEXT}
            onChoose={(flowControl) => edit({ flowControl })}
          />
        </>
      )}
      <ChoiceField
        label="纸宽"
        testid="printer-width"
        value={form.width}
        choices={WIDTHS}
        text={WIDTH_TEXT}
        onChoose={(width) => edit({ width })}
      />
      <SwitchField
        label="打印机自带二维码"
        hint="打印机支持 GS ( k 指令时打开，二维码更清晰"
        testid="printer-native-qr"
        checked={form.nativeQr}
        onChange={(nativeQr) => edit({ nativeQr })}
      />
      <ChoiceField
        label="字库"
        hint={PRINTER_FONT_HINT}
        testid="printer-font"
        value={form.font}
        choices={PRINTER_FONTS}
        text={PRINTER_FONT_TEXT}
        onChoose={(font) => edit({ font })}
      />
      <SwitchField
        label="状态查询"
        hint={PRINTER_STATUS_QUERIES_HINT}
        testid="printer-status-queries"
        checked={form.statusQueries}
        onChange={(statusQueries) => edit({ statusQueries })}
      />
    </SectionFrame>
  );
}
