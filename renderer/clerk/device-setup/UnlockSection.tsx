// 登录解锁 in 设备设置: a staff number locked after too many wrong passwords
// (on this counter or at the hall server) may sign in again.
import { useState } from 'react';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { TextField } from './fields.tsx';
import { SectionFrame, TaskButton } from './SectionFrame.tsx';

export function UnlockSection() {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.unlock);
  const [staffNo, setStaffNo] = useState('');
  const [error, setError] = useState<string | undefined>();
  const unlock = () => {
    const typed = staffNo.trim();
    if (!typed) return setError('请输入要解锁的工号');
    setError(undefined);
    void store.getState().unlockStaff(typed);
  };
  return (
    <SectionFrame title="登录解锁" result={{ slot: 'unlock', testid: 'setup-unlock-result' }}>
      <p className="setup-note">密码连续输错达到大厅规定次数后，该工号会被锁定一段时间；核实是本人后可在此解除锁定。</p>
      <TextField
        label="工号"
        data-testid="setup-unlock-staff"
        value={staffNo}
        maxLength={32}
        error={error}
        onText={setStaffNo}
        onPressEnter={unlock}
        button={
          <TaskButton data-testid="setup-unlock" task="unlock" busy={busy} onClick={unlock}>
            解除锁定
          </TaskButton>
        }
      />
    </SectionFrame>
  );
}
