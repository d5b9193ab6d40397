// 设备设置 (hall managers only; Alt+D or the header button): the window's
// evaluator, printer, outward display, voice, the hall server address, and
// export / import of the whole setup. Each section shows where its setting
// comes from (本机设置, 大厅统一配置 …), saves as this counter's own setting
// after an inline check, can go back to the hall's, and has its own test.
// State in device-setup-store.ts, the form rules in device-setup-logic.ts.
import { Alert, App as AntApp, Button, Input, Radio, Slider, Spin, Switch, Tag, Tooltip } from 'antd';
import { useState, type ReactNode } from 'react';
import type { DeviceSection, DeviceSettingChange, DeviceSetupView, SetupSource } from '../../common/device-setup.ts';
import { DEVICE_SECTION_NAME, SETUP_SOURCE_NAME } from '../../common/device-setup.ts';
import { managerOnlyMessage } from '../../common/errors.ts';
import { LEVEL_NAME } from '../../common/ratings.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import {
  COMMON_BAUD_RATES,
  displayText,
  evaluatorChange,
  evaluatorFormOf,
  FLOW_CONTROL_TEXT,
  KEY_LEVELS,
  NO_DISPLAY_LIST,
  portText,
  printerChange,
  printerFormOf,
  PRINTER_FONT_HINT,
  PRINTER_FONT_TEXT,
  PRINTER_FONTS,
  PRINTER_KIND_TEXT,
  PRINTER_STATUS_QUERIES_HINT,
  PROTOCOL_TEXT,
  type Checked,
  type EvaluatorForm,
  type FieldErrors,
  type PrinterForm,
} from './device-setup-logic.ts';
import {
  reenrolledText,
  useDeviceSetup,
  useDeviceSetupApi,
  type ResultSlot,
  type SaveFile,
} from './device-setup-store.ts';
import { DEVICE_SETUP_HOTKEY, isDeviceSetupHotkey } from './idle.ts';
import { ManagerDrawerFrame, openDrawer, useManagerDrawer } from './manager-drawer.tsx';
import { checkEnrollCode, checkServerUrl } from './validate.ts';

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

const PORT_LIST_ID = 'device-setup-serial-ports';
const BAUD_LIST_ID = 'device-setup-baud-rates';

/** Esc belongs to the 更换地址？ confirmation while it is open. */
const confirmationOpen = () => {
  const confirm = document.querySelector<HTMLElement>('.device-setup-confirm');
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
  const manager = useClerk((s) => s.state?.clerk?.role === 'manager');
  const store = useDeviceSetupApi();
  if (!manager) return null;
  return (
    <Button
      data-testid="open-device-setup"
      ghost
      className="ws-header-button"
      title={`打印机、评价器、外屏、语音和服务器地址（${DEVICE_SETUP_HOTKEY}）`}
      onClick={() => openDrawer(store)}
    >
      设备设置 <kbd>{DEVICE_SETUP_HOTKEY}</kbd>
    </Button>
  );
}

export function DeviceSetupDrawer() {
  const manager = useClerk((s) => s.state?.clerk?.role === 'manager');
  const store = useDeviceSetupApi();
  const open = useDeviceSetup((s) => s.open);
  const view = useDeviceSetup((s) => s.view);
  const loading = useDeviceSetup((s) => s.loading);
  const loadError = useDeviceSetup((s) => s.loadError);
  if (!manager) return null;
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
          <Alert
            type="error"
            showIcon
            title={`读取设备设置失败：${loadError}`}
            action={
              <Button size="small" onClick={() => void store.getState().load()}>
                重试
              </Button>
            }
            data-testid="device-setup-error"
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
  const ports = useDeviceSetup((s) => s.ports);
  // A section's form starts again from what is in use whenever that changes (saved, reset, imported).
  const keyOf = (section: DeviceSection) =>
    `${section}:${view.sources[section]}:${JSON.stringify(view.effective[section])}`;
  return (
    <>
      <datalist id={PORT_LIST_ID}>
        {ports.map((port) => (
          <option key={port.path} value={port.byIdPath ?? port.path}>
            {portText(port)}
          </option>
        ))}
      </datalist>
      <datalist id={BAUD_LIST_ID}>
        {COMMON_BAUD_RATES.map((rate) => (
          <option key={rate} value={rate} />
        ))}
      </datalist>
      <EvaluatorSection key={keyOf('evaluator')} view={view} />
      <PrinterSection key={keyOf('printer')} view={view} />
      <DisplaySection key={keyOf('outwardDisplayId')} view={view} />
      <VoiceSection key={keyOf('voice')} view={view} />
      <ServerSection view={view} />
      <TransferSection />
    </>
  );
}

// ---- shared parts -------------------------------------------------------

const SOURCE_COLOR: Record<SetupSource, string> = {
  local: 'blue',
  hall: 'green',
  launcher: 'gold',
  default: 'default',
};

/** The testid prefix of each section (outwardDisplayId's parts are `display-…`). */
const PREFIX: Record<DeviceSection, string> = {
  evaluator: 'evaluator',
  printer: 'printer',
  outwardDisplayId: 'display',
  voice: 'voice',
};

/** 保存 of a device section: spins while saving, waits while the section does something else. */
function SaveButton(props: { testid: string; busy: string | undefined; disabled?: boolean; onClick: () => void }) {
  const { busy } = props;
  return (
    <Button
      type="primary"
      data-testid={props.testid}
      loading={busy === 'save'}
      disabled={props.disabled === true || (busy !== undefined && busy !== 'save')}
      onClick={props.onClick}
    >
      保存
    </Button>
  );
}

function Section({
  section,
  view,
  title,
  children,
}: {
  section?: DeviceSection;
  view?: DeviceSetupView;
  title: string;
  children: ReactNode;
}) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => (section ? s.busy[slotOf(section)] : undefined));
  const source = section && view ? view.sources[section] : null;
  const inHall = section && view ? view.hall[section] !== undefined : false;
  return (
    <section
      className="setup-section"
      aria-label={title}
      data-testid={section ? `${PREFIX[section]}-section` : undefined}
    >
      <header className="setup-section-head">
        <h2>{title}</h2>
        {section && source && (
          // outwardDisplayId's tag answers to both display-source and outwardDisplayId-source.
          <span data-testid={PREFIX[section] !== section ? `${section}-source` : undefined}>
            <Tooltip title={sourceTip(source, inHall)}>
              <Tag color={SOURCE_COLOR[source]} data-testid={`${PREFIX[section]}-source`}>
                {SETUP_SOURCE_NAME[source]}
              </Tag>
            </Tooltip>
          </span>
        )}
        {section && source === 'local' && (
          <Button
            size="small"
            data-testid={`${PREFIX[section]}-reset`}
            loading={busy === 'reset'}
            disabled={busy !== undefined && busy !== 'reset'}
            onClick={() => void store.getState().reset(section)}
          >
            恢复大厅配置
          </Button>
        )}
      </header>
      <div className="setup-section-body">{children}</div>
    </section>
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

const slotOf = (section: DeviceSection): ResultSlot => (section === 'outwardDisplayId' ? 'display' : section);

/** The last result of a part of the screen: green when it went well, red with the core's words when not. */
function Result({ slot, testid, waiting }: { slot: ResultSlot; testid: string; waiting?: string | null }) {
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

function Field({
  label,
  error,
  children,
  hint,
}: {
  label: string;
  error?: string;
  children: ReactNode;
  hint?: ReactNode;
}) {
  return (
    // A div, not a <label>: a click on 「协议」 must not pick the first protocol.
    <div className="setup-field" role="group" aria-label={label}>
      <span className="setup-label">{label}</span>
      <span className="setup-control">
        {children}
        {error ? (
          <span className="setup-error">{error}</span>
        ) : hint ? (
          <span className="setup-hint">{hint}</span>
        ) : null}
      </span>
    </div>
  );
}

// ---- 评价器 ---------------------------------------------------------------

/**
 * A device section's form: typing into a field means the window uses the
 * device (「不使用…」 turns off); 保存 checks inline first, then saves.
 */
function useSectionForm<F extends { enabled: boolean }>(initial: () => F, check: (form: F) => Checked<DeviceSettingChange>) {
  const store = useDeviceSetupApi();
  const [form, setForm] = useState<F>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const edit = (patch: Partial<F>) => setForm((f) => ({ ...f, enabled: true, ...patch }));
  const save = () => {
    const checked = check(form);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    void store.getState().save(checked.change);
  };
  return { form, setForm, errors, edit, save };
}

function EvaluatorSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.evaluator);
  const testing = useDeviceSetup((s) => s.busy.evaluatorTest);
  const portsLoading = useDeviceSetup((s) => s.portsLoading);
  const portsNote = useDeviceSetup((s) => s.portsNote);
  const portCount = useDeviceSetup((s) => s.ports.length);
  const { form, setForm, errors, edit, save } = useSectionForm(() => evaluatorFormOf(view.effective.evaluator), evaluatorChange);
  const inUse = view.effective.evaluator !== null;
  return (
    <Section section="evaluator" view={view} title={DEVICE_SECTION_NAME.evaluator}>
      <Field
        label="不使用评价器"
        hint={
          form.enabled
            ? undefined
            : '本窗口现在不用评价器（好差评只在外屏上点选）；填写下面的设置并保存即启用'
        }
      >
        <Switch
          data-testid="evaluator-disabled"
          checked={!form.enabled}
          onChange={(off) => setForm((f) => ({ ...f, enabled: !off }))}
        />
      </Field>
      <Field
        label="串口"
        error={errors.port}
        hint={
          portsNote ??
          (portCount > 0
            ? `找到 ${portCount} 个串口，可从下拉中选择`
            : '可直接填写，例如 /dev/ttyUSB0 或 COM3')
        }
      >
        <span className="setup-inline">
          <Input
            data-testid="evaluator-port"
            list={PORT_LIST_ID}
            value={form.port}
            status={errors.port ? 'error' : undefined}
            placeholder="/dev/ttyUSB0 或 COM3"
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => edit({ port: e.target.value })}
          />
          <Button
            data-testid="refresh-ports"
            loading={portsLoading}
            onClick={() => void store.getState().refreshPorts()}
          >
            刷新串口
          </Button>
        </span>
      </Field>
      <Field label="协议">
        <Radio.Group
          data-testid="evaluator-protocol"
          optionType="button"
          value={form.protocol}
          options={(['ft12', 'ascii-keypad'] as const).map((p) => ({ value: p, label: PROTOCOL_TEXT[p] }))}
          onChange={(e) => edit({ protocol: e.target.value as EvaluatorForm['protocol'] })}
        />
      </Field>
      <Field label="波特率" error={errors.baud}>
        <Input
          data-testid="evaluator-baud"
          className="setup-narrow"
          list={BAUD_LIST_ID}
          inputMode="numeric"
          value={form.baud}
          status={errors.baud ? 'error' : undefined}
          onChange={(e) => edit({ baud: e.target.value })}
        />
      </Field>
      <Field
        label="设备地址"
        error={errors.address}
        hint="1–250，见评价器背面或其设置菜单；多台设备共用一条 RS-485 线时各不相同"
      >
        <Input
          data-testid="evaluator-address"
          className="setup-narrow"
          inputMode="numeric"
          value={form.address}
          status={errors.address ? 'error' : undefined}
          onChange={(e) => edit({ address: e.target.value })}
        />
      </Field>
      {form.protocol === 'ascii-keypad' && (
        <Field label="按键对应" hint="可选：每个评价等级对应的按键字符；全部留空则用评价器默认按键">
          <span className="setup-keys">
            {KEY_LEVELS.map((level) => (
              <span key={level} className="setup-key">
                <span>{LEVEL_NAME[level]}</span>
                <Input
                  data-testid={`evaluator-key-${level}`}
                  maxLength={1}
                  value={form.keys[level]}
                  status={errors[`key${level}`] ? 'error' : undefined}
                  onChange={(e) => edit({ keys: { ...form.keys, [level]: e.target.value } })}
                />
              </span>
            ))}
          </span>
          {KEY_LEVELS.map((level) => errors[`key${level}`]).find(Boolean) && (
            <span className="setup-error">
              {KEY_LEVELS.map((level) => errors[`key${level}`]).find(Boolean)}
            </span>
          )}
        </Field>
      )}
      <div className="setup-actions">
        <SaveButton testid="evaluator-save" busy={busy} onClick={save} />
        <Button
          data-testid="evaluator-ping"
          loading={testing === 'ping'}
          disabled={!inUse || (testing !== undefined && testing !== 'ping')}
          title={inUse ? '向评价器发 PING，看它是否应答' : '先保存评价器设置'}
          onClick={() => void store.getState().pingEvaluator()}
        >
          测试连接
        </Button>
        <Button
          data-testid="evaluator-test-rating"
          loading={testing === 'rating'}
          disabled={!inUse || (testing !== undefined && testing !== 'rating')}
          title={inUse ? '评价器显示评价提示，按任意评价键；不计入评价' : '先保存评价器设置'}
          onClick={() => void store.getState().testEvaluatorRating()}
        >
          测试评价
        </Button>
      </div>
      <Result slot="evaluator" testid="evaluator-result" />
      <Result
        slot="evaluatorTest"
        testid="evaluator-test-result"
        waiting={
          testing === 'rating'
            ? '请在评价器上按任意评价键（30 秒内）'
            : testing === 'ping'
              ? '正在测试连接…'
              : null
        }
      />
    </Section>
  );
}

// ---- 打印机 ---------------------------------------------------------------

function PrinterSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.printer);
  const testing = useDeviceSetup((s) => s.busy.printerTest);
  const preview = useDeviceSetup((s) => s.printerPreview);
  const { form, setForm, errors, edit, save } = useSectionForm(() => printerFormOf(view.effective.printer), printerChange);
  const inUse = view.effective.printer !== null;
  return (
    <Section section="printer" view={view} title={DEVICE_SECTION_NAME.printer}>
      <Field
        label="不使用打印机"
        hint={form.enabled ? undefined : '本窗口现在不用打印机；填写下面的设置并保存即启用'}
      >
        <Switch
          data-testid="printer-disabled"
          checked={!form.enabled}
          onChange={(off) => setForm((f) => ({ ...f, enabled: !off }))}
        />
      </Field>
      <Field label="连接方式">
        <Radio.Group
          data-testid="printer-kind"
          optionType="button"
          value={form.kind}
          options={(['tcp', 'serial', 'usb'] as const).map((k) => ({
            value: k,
            label: PRINTER_KIND_TEXT[k],
          }))}
          onChange={(e) => edit({ kind: e.target.value as PrinterForm['kind'] })}
        />
      </Field>
      {form.kind === 'tcp' ? (
        <>
          <Field label="IP 地址" error={errors.host}>
            <Input
              data-testid="printer-host"
              value={form.host}
              placeholder="例如 192.168.1.50"
              spellCheck={false}
              status={errors.host ? 'error' : undefined}
              onChange={(e) => edit({ host: e.target.value })}
            />
          </Field>
          <Field label="端口" error={errors.tcpPort} hint="网络打印机通常为 9100">
            <Input
              data-testid="printer-tcp-port"
              className="setup-narrow"
              inputMode="numeric"
              value={form.tcpPort}
              status={errors.tcpPort ? 'error' : undefined}
              onChange={(e) => edit({ tcpPort: e.target.value })}
            />
          </Field>
        </>
      ) : (
        <Field label={form.kind === 'serial' ? '串口' : 'USB 设备'} error={errors.path}>
          <Input
            data-testid="printer-path"
            list={form.kind === 'serial' ? PORT_LIST_ID : undefined}
            value={form.path}
            placeholder={form.kind === 'serial' ? '/dev/ttyS0 或 COM1' : '/dev/usb/lp0'}
            spellCheck={false}
            autoComplete="off"
            status={errors.path ? 'error' : undefined}
            onChange={(e) => edit({ path: e.target.value })}
          />
        </Field>
      )}
      {form.kind === 'serial' && (
        <>
          <Field label="波特率" error={errors.baud}>
            <Input
              data-testid="printer-baud"
              className="setup-narrow"
              list={BAUD_LIST_ID}
              inputMode="numeric"
              value={form.baud}
              status={errors.baud ? 'error' : undefined}
              onChange={(e) => edit({ baud: e.target.value })}
            />
          </Field>
          <Field label="流控">
            <Radio.Group
              data-testid="printer-flow-control"
              optionType="button"
              value={form.flowControl}
              options={(['none', 'rtscts', 'xonxoff'] as const).map((v) => ({
                value: v,
                label: FLOW_CONTROL_TEXT[v],
              }))}
              onChange={(e) => edit({ flowControl: e.target.value as PrinterForm['flowControl'] })}
            />
          </Field>
        </>
      )}
      <Field label="纸宽">
        <Radio.Group
          data-testid="printer-width"
          optionType="button"
          value={form.width}
          options={[
            { value: 58, label: '58 毫米' },
            { value: 80, label: '80 毫米' },
          ]}
          onChange={(e) => edit({ width: e.target.value as 58 | 80 })}
        />
      </Field>
      <Field label="打印机自带二维码" hint="打印机支持 GS ( k 指令时打开，二维码更清晰">
        <Switch
          data-testid="printer-native-qr"
          checked={form.nativeQr}
          onChange={(on) => edit({ nativeQr: on })}
        />
      </Field>
      <Field label="字库" hint={PRINTER_FONT_HINT}>
        <Radio.Group
          data-testid="printer-font"
          optionType="button"
          value={form.font}
          options={PRINTER_FONTS.map((font) => ({ value: font, label: PRINTER_FONT_TEXT[font] }))}
          onChange={(e) => edit({ font: e.target.value as PrinterForm['font'] })}
        />
      </Field>
      <Field label="状态查询" hint={PRINTER_STATUS_QUERIES_HINT}>
        <Switch
          data-testid="printer-status-queries"
          checked={form.statusQueries}
          onChange={(on) => edit({ statusQueries: on })}
        />
      </Field>
      <div className="setup-actions">
        <SaveButton testid="printer-save" busy={busy} onClick={save} />
        <Button
          data-testid="printer-test"
          loading={testing === 'test'}
          disabled={!inUse}
          title={inUse ? '打印一张测试页' : '先保存打印机设置'}
          onClick={() => void store.getState().testPrinter()}
        >
          打印测试页
        </Button>
      </div>
      <Result slot="printer" testid="printer-result" />
      <Result slot="printerTest" testid="printer-test-result" waiting={testing ? '正在打印测试页…' : null} />
      {preview && (
        <img className="setup-preview" src={preview} alt="测试页预览" data-testid="printer-test-preview" />
      )}
    </Section>
  );
}

// ---- 外屏显示器 -----------------------------------------------------------

function DisplaySection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.display);
  const [choice, setChoice] = useState<number | 'auto'>(view.effective.outwardDisplayId ?? 'auto');
  const displays = view.displays;
  return (
    <Section section="outwardDisplayId" view={view} title={DEVICE_SECTION_NAME.outwardDisplayId}>
      {displays.length === 0 ? (
        <div className="setup-note" data-testid="display-none">
          {NO_DISPLAY_LIST}
        </div>
      ) : (
        <Radio.Group
          data-testid="display-choice"
          className="setup-displays"
          value={choice}
          onChange={(e) => setChoice(e.target.value as number | 'auto')}
        >
          <Radio value="auto" data-testid="display-option-auto">
            自动选择（第一个不是工作台屏幕的显示器）
          </Radio>
          {displays.map((display) => (
            <Radio key={display.id} value={display.id} data-testid={`display-option-${display.id}`}>
              {displayText(display)}
            </Radio>
          ))}
        </Radio.Group>
      )}
      <div className="setup-actions">
        <SaveButton
          testid="display-save"
          busy={busy}
          disabled={displays.length === 0}
          onClick={() => void store.getState().save({ section: 'outwardDisplayId', value: choice === 'auto' ? null : choice })}
        />
        <Button
          data-testid="display-test"
          loading={busy === 'test'}
          disabled={busy !== undefined && busy !== 'test'}
          onClick={() => void store.getState().testDisplay()}
        >
          显示测试画面
        </Button>
      </div>
      <Result slot="display" testid="display-result" />
    </Section>
  );
}

// ---- 语音播报 -------------------------------------------------------------

function VoiceSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.voice);
  const [enabled, setEnabled] = useState(view.effective.voice.enabled);
  const [volume, setVolume] = useState(view.effective.voice.volume);
  return (
    <Section section="voice" view={view} title={DEVICE_SECTION_NAME.voice}>
      <Field label="叫号语音">
        <Switch
          data-testid="voice-enabled"
          checked={enabled}
          checkedChildren="开"
          unCheckedChildren="关"
          onChange={setEnabled}
        />
      </Field>
      <Field label="音量">
        <span className="setup-inline setup-volume">
          <Slider
            data-testid="voice-volume"
            min={0}
            max={100}
            value={volume}
            disabled={!enabled}
            onChange={(value) => setVolume(value)}
          />
          <span className="setup-volume-value" data-testid="voice-volume-value">
            {volume}
          </span>
        </span>
      </Field>
      <div className="setup-actions">
        <SaveButton
          testid="voice-save"
          busy={busy}
          onClick={() => void store.getState().save({ section: 'voice', value: { enabled, volume } })}
        />
        <Button
          data-testid="voice-test"
          loading={busy === 'test'}
          disabled={busy !== undefined && busy !== 'test'}
          title="按正在使用的语音设置（已保存的）播放一段测试播报"
          onClick={() => void store.getState().testVoice()}
        >
          测试语音
        </Button>
      </div>
      <Result slot="voice" testid="voice-result" />
    </Section>
  );
}

// ---- 服务器与注册 ---------------------------------------------------------

function ServerSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const { modal } = AntApp.useApp();
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
    modal.confirm({
      title: '更换大厅服务器地址？',
      className: 'device-setup-confirm',
      content: (
        <div>
          从 <code>{server.url ?? '（未设置）'}</code> 改为 <code>{next}</code>。
          <br />
          新地址须认可本终端（同一台注册过的设备）才会更换，否则保持原地址。
        </div>
      ),
      okText: '更换',
      cancelText: '取消',
      okButtonProps: { 'data-testid': 'server-confirm' } as Record<`data-${string}`, string>,
      onOk: async () => {
        if (await store.getState().changeServer(next)) setUrl('');
      },
    });
  };
  return (
    <Section title="服务器与注册">
      <dl className="setup-facts">
        <dt>大厅服务器</dt>
        <dd data-testid="server-current">{server.url ?? '未设置'}</dd>
        <dt>窗口</dt>
        <dd data-testid="server-window">{server.windowName ?? '未分配窗口'}</dd>
        <dt>设备编号</dt>
        <dd data-testid="server-device-no">{server.deviceNo ?? '—'}</dd>
      </dl>
      <Field
        label="新地址"
        error={error ?? undefined}
        hint="大厅服务器搬迁或改了地址时填写；本终端无需重新注册"
      >
        <span className="setup-inline">
          <Input
            data-testid="server-url"
            value={url}
            placeholder="例如 http://192.168.1.10:8080"
            spellCheck={false}
            autoComplete="off"
            status={error ? 'error' : undefined}
            onChange={(e) => setUrl(e.target.value)}
            onPressEnter={submit}
          />
          <Button data-testid="server-save" loading={busy === 'save'} onClick={submit}>
            更换地址
          </Button>
        </span>
      </Field>
      <Result slot="server" testid="server-result" />
      <ReenrollForm currentUrl={server.url} />
    </Section>
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
  const { modal } = AntApp.useApp();
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
    modal.confirm({
      title: '重新注册本终端？',
      className: 'device-setup-confirm',
      content: (
        <div data-testid="reenroll-confirm-text">
          本终端将以新身份注册到 <code>{target}</code>；注册后需重新登录。
          <br />
          窗口按新注册码确定，本窗口的叫号状态和本机保存的离线登录记录将清除；原注册在服务器拒绝注册码时保持不变。
        </div>
      ),
      okText: '重新注册',
      cancelText: '取消',
      okButtonProps: { 'data-testid': 'reenroll-confirm' } as Record<`data-${string}`, string>,
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
      <Field label="服务器地址" error={errors.url}>
        <Input
          data-testid="reenroll-server-url"
          value={url}
          placeholder="例如 http://192.168.1.10:8080"
          spellCheck={false}
          autoComplete="off"
          status={errors.url ? 'error' : undefined}
          onChange={(e) => setUrl(e.target.value)}
          onPressEnter={submit}
        />
      </Field>
      <Field label="新注册码" error={errors.code}>
        <span className="setup-inline">
          <Input
            data-testid="reenroll-code"
            value={code}
            inputMode="numeric"
            maxLength={8}
            placeholder="8 位数字"
            autoComplete="off"
            status={errors.code ? 'error' : undefined}
            onChange={(e) => setCode(e.target.value)}
            onPressEnter={submit}
          />
          <Button data-testid="reenroll-submit" danger loading={busy === 'reenroll'} onClick={submit}>
            重新注册
          </Button>
        </span>
      </Field>
      <Result slot="reenroll" testid="reenroll-result" />
    </div>
  );
}

// ---- 导入导出 -------------------------------------------------------------

function TransferSection() {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.transfer);
  return (
    <Section title="导入导出">
      <p className="setup-note">
        导出本窗口的设备设置，到下一个窗口的设备设置中导入，即可按同样的设置使用（导入后为本机设置）。
      </p>
      <div className="setup-actions">
        <Button
          data-testid="setup-export"
          loading={busy === 'export'}
          disabled={busy !== undefined && busy !== 'export'}
          onClick={() => void store.getState().exportSetup()}
        >
          导出设备设置
        </Button>
        <label className={busy ? 'setup-file setup-file-busy' : 'setup-file'}>
          {busy === 'import' ? <Spin size="small" /> : null}
          导入设备设置…
          <input
            type="file"
            accept=".json,application/json"
            data-testid="setup-import-file"
            disabled={busy !== undefined}
            onChange={(event) => {
              const input = event.currentTarget;
              const file = input.files?.[0];
              // The same file chosen again after a fix must fire change again.
              input.value = '';
              if (file) void store.getState().importSetup(file);
            }}
          />
        </label>
      </div>
      <Result slot="transfer" testid="setup-import-result" />
    </Section>
  );
}
