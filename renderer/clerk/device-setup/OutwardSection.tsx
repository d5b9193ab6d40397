// 外屏显示器 in 设备设置: which display shows the citizens' screen
// (automatic: the first one that is not the clerk's); 显示测试画面.
import { Radio } from 'antd';
import { useState } from 'react';
import type { DeviceSetupView } from '../../../common/device-setup.ts';
import { displayText, NO_DISPLAY_LIST } from './device-setup-logic.ts';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { SectionFrame, TaskButton } from './SectionFrame.tsx';

export function OutwardSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.display);
  const [choice, setChoice] = useState<number | 'auto'>(view.effective.outwardDisplayId ?? 'auto');
  const displays = view.displays;
  return (
    <SectionFrame
      section="outwardDisplayId"
      view={view}
      onSave={() =>
        void store.getState().save({ section: 'outwardDisplayId', value: choice === 'auto' ? null : choice })
      }
      saveDisabled={displays.length === 0}
      actions={
        <TaskButton
          data-testid="display-test"
          task="test"
          busy={busy}
          onClick={() => void store.getState().testDisplay()}
        >
          显示测试画面
        </TaskButton>
      }
    >
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
    </SectionFrame>
  );
}
