// 语音播报 in 设备设置: calling by voice on or off, and how loud; 测试语音.
import { Slider, Switch } from 'antd';
import { useState } from 'react';
import type { DeviceSetupView } from '../../../common/device-setup.ts';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { Field } from './fields.tsx';
import { SectionFrame, TaskButton } from './SectionFrame.tsx';

export function VoiceSection({ view }: { view: DeviceSetupView }) {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.voice);
  const [enabled, setEnabled] = useState(view.effective.voice.enabled);
  const [volume, setVolume] = useState(view.effective.voice.volume);
  return (
    <SectionFrame
      section="voice"
      view={view}
      onSave={() => void store.getState().save({ section: 'voice', value: { enabled, volume } })}
      actions={
        <TaskButton
          data-testid="voice-test"
          task="test"
          busy={busy}
          title="按正在使用的语音设置（已保存的）播放一段测试播报"
          onClick={() => void store.getState().testVoice()}
        >
          测试语音
        </TaskButton>
      }
    >
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
    </SectionFrame>
  );
}
