// 评价器 in 设备设置: the serial port, protocol, baud rate and address (and
// for an ASCII keypad which key is which level); 测试连接 and 测试评价.
import { Button, Input } from 'antd';
import type { DeviceSetupView } from '../../../common/device-setup.ts';
import { LEVEL_NAME } from '../../../common/ratings.ts';
import { evaluatorChange, evaluatorFormOf, KEY_LEVELS, PROTOCOL_TEXT } from './device-setup-logic.ts';
import { useDeviceSetup, useDeviceSetupApi, type DeviceSetupStore } from './device-setup-store.ts';
import {
  BaudField,
  ChoiceField,
  Field,
  NotUsedField,
  PORT_LIST_ID,
  TextField,
  useSectionForm,
} from './fields.tsx';
import { Result, SectionFrame, TestButton } from './SectionFrame.tsx';

const PROTOCOLS = ['ft12', 'ascii-keypad'] as const;

const TESTS = [
  {
    task: 'ping',
    testid: 'evaluator-ping',
    label: '测试连接',
    title: '向评价器发 PING，看它是否应答',
    run: (store: DeviceSetupStore) => store.pingEvaluator(),
  },
  {
    task: 'rating',
    testid: 'evaluator-test-rating',
    label: '测试评价',
    title: '评价器显示评价提示，按任意评价键；不计入评价',
    run: (store: DeviceSetupStore) => store.testEvaluatorRating(),
  },
] as const;

export function EvaluatorSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const testing = useDeviceSetup((s) => s.busy.evaluatorTest);
  const portsLoading = useDeviceSetup((s) => s.portsLoading);
  const portsNote = useDeviceSetup((s) => s.portsNote);
  const portCount = useDeviceSetup((s) => s.ports.length);
  const { form, setEnabled, errors, edit, bind, save } = useSectionForm(
    () => evaluatorFormOf(view.effective.evaluator),
    evaluatorChange,
  );
  const inUse = view.effective.evaluator !== null;
  const keyError = KEY_LEVELS.map((level) => errors[`key${level}`]).find(Boolean);
  return (
    <SectionFrame
      section="evaluator"
      view={view}
      onSave={save}
      actions={TESTS.map((test) => (
        <TestButton
          key={test.task}
          section="evaluator"
          inUse={inUse}
          data-testid={test.testid}
          task={test.task}
          busy={testing}
          title={test.title}
          onClick={() => void test.run(store.getState())}
        >
          {test.label}
        </TestButton>
      ))}
      after={
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
      }
    >
      <NotUsedField
        label="不使用评价器"
        testid="evaluator-disabled"
        hint="本窗口现在不用评价器（好差评只在外屏上点选）；填写下面的设置并保存即启用"
        enabled={form.enabled}
        setEnabled={setEnabled}
      />
      <TextField
        label="串口"
        hint={
          portsNote ??
          (portCount > 0
            ? `找到 ${portCount} 个串口，可从下拉中选择`
            : '可直接填写，例如 /dev/ttyUSB0 或 COM3')
        }
        data-testid="evaluator-port"
        list={PORT_LIST_ID}
        placeholder="/dev/ttyUSB0 或 COM3"
        spellCheck={false}
        autoComplete="off"
        {...bind('port')}
        button={
          <Button
            data-testid="refresh-ports"
            loading={portsLoading}
            onClick={() => void store.getState().refreshPorts()}
          >
            刷新串口
          </Button>
        }
      />
      <ChoiceField
        label="协议"
        testid="evaluator-protocol"
        value={form.protocol}
        choices={PROTOCOLS}
        text={PROTOCOL_TEXT}
        onChoose={(protocol) => edit({ protocol })}
      />
      <BaudField testid="evaluator-baud" {...bind('baud')} />
      <TextField
        label="设备地址"
        hint="1–250，见评价器背面或其设置菜单；多台设备共用一条 RS-485 线时各不相同"
        data-testid="evaluator-address"
        className="setup-narrow"
        inputMode="numeric"
        {...bind('address')}
      />
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
          {keyError && <span className="setup-error">{keyError}</span>}
        </Field>
      )}
    </SectionFrame>
  );
}
