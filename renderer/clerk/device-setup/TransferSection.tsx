// 导入导出 in 设备设置: the whole setup to a file, and from one (it becomes
// this counter's own setting).
import { Spin } from 'antd';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';
import { SectionFrame, TaskButton } from './SectionFrame.tsx';

export function TransferSection() {
  const store = useDeviceSetupApi();
  const busy = useDeviceSetup((s) => s.busy.transfer);
  return (
    <SectionFrame
      title="导入导出"
      result={{ slot: 'transfer', testid: 'setup-import-result' }}
      actions={
        <>
          <TaskButton
            data-testid="setup-export"
            task="export"
            busy={busy}
            onClick={() => void store.getState().exportSetup()}
          >
            导出设备设置
          </TaskButton>
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
        </>
      }
    >
      <p className="setup-note">
        导出本窗口的设备设置，到下一个窗口的设备设置中导入，即可按同样的设置使用（导入后为本机设置）。
      </p>
    </SectionFrame>
  );
}
