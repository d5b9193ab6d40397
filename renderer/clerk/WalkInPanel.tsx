// 现场补号 (Alt+W): the counter prints a queue number itself, from the range
// the hall server leased to this window — also while offline. The clerk picks
// the citizen's service line (the window's first line by default).
import { Button, Segmented } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { ActionPanel, usePanelCall } from './ActionPanel.tsx';
import { useClerk, useClerkStoreApi } from './context.ts';
import { isAltKey } from './logic.ts';

export const WALK_IN_HOTKEY = 'Alt+W';
const isWalkInHotkey = isAltKey('W');

export function WalkInPanel() {
  const clerkStore = useClerkStoreApi();
  const lines = useClerk((s) => s.state?.queue ?? []);
  const [lineId, setLineId] = useState<string | null>(null);
  const { busy, last, run } = usePanelCall('现场补号');
  const chosen =
    lineId !== null && lines.some((line) => line.lineId === lineId) ? lineId : (lines[0]?.lineId ?? null);

  const issue = useCallback(async () => {
    if (chosen === null) return;
    await run(async (api) => {
      const issued = await api.issueWalkIn({ lineId: chosen });
      // Without a configured printer the clerk writes the number on a slip by hand.
      const printing = clerkStore.getState().state?.printer ? '正在打印' : '未接打印机，请手写号码交给群众';
      return {
        number: issued.number,
        told:
          issued.ahead === null
            ? `已补号 ${issued.number}（离线：联网后按取号时间进入排队），${printing}（号段余 ${issued.remaining} 个）`
            : `已补号 ${issued.number}，已进入排队，前面 ${issued.ahead} 人，${printing}（号段余 ${issued.remaining} 个）`,
      };
    });
  }, [chosen, run, clerkStore]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isWalkInHotkey(event)) return;
      event.preventDefault();
      if (!event.repeat) void issue();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [issue]);

  if (lines.length === 0) return null;
  return (
    <ActionPanel
      label="现场补号"
      title="现场补号"
      last={last && <>上一张 {last}</>}
      lastTestId="walk-in-last"
    >
      {lines.length > 1 && (
        <Segmented
          size="small"
          value={chosen ?? undefined}
          options={lines.map((line) => ({ value: line.lineId, label: `${line.lineId} ${line.name}` }))}
          onChange={(value) => setLineId(String(value))}
          // antd's own label is the English "segmented control": say what is chosen here.
          aria-label="现场补号的业务类型"
          data-testid="walk-in-line"
        />
      )}
      <Button
        data-testid="walk-in-issue"
        loading={busy}
        onClick={() => void issue()}
        title={`现场补号（${WALK_IN_HOTKEY}）`}
      >
        现场补号<kbd>{WALK_IN_HOTKEY}</kbd>
      </Button>
    </ActionPanel>
  );
}
