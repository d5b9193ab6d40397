// 现场补号 (Alt+W): the counter prints a queue number itself, from the range
// the hall server leased to this window — also while offline. The clerk picks
// the citizen's service line (the window's first line by default).
import { Button, Segmented } from 'antd';
import { useCallback, useContext, useEffect, useState } from 'react';
import { CallError } from '../transport.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { RatingLinkContext } from './RatingPanel.tsx';

export const WALK_IN_HOTKEY = 'Alt+W';

const message = (error: unknown) =>
  error instanceof CallError ? error.message : '终端内部错误，请重试；如反复出现请联系管理员';

export function WalkInPanel() {
  const link = useContext(RatingLinkContext);
  const clerkStore = useClerkStoreApi();
  const lines = useClerk((s) => s.state?.queue ?? []);
  const [lineId, setLineId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const chosen = lineId !== null && lines.some((line) => line.lineId === lineId) ? lineId : (lines[0]?.lineId ?? null);

  const issue = useCallback(async () => {
    if (!link || chosen === null || busy) return;
    setBusy(true);
    try {
      const issued = await link.api.issueWalkIn({ lineId: chosen });
      setLast(issued.number);
      // Without a configured printer the clerk writes the number on a slip by hand.
      const printing = clerkStore.getState().state?.printer ? '正在打印' : '未接打印机，请手写号码交给群众';
      clerkStore.getState().tell('info', `已补号 ${issued.number}，${printing}（号段余 ${issued.remaining} 个）`);
    } catch (error) {
      clerkStore.getState().tell('error', `现场补号：${message(error)}`);
    } finally {
      setBusy(false);
    }
  }, [link, chosen, busy, clerkStore]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.code !== 'KeyW' || !event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      if (!event.repeat) void issue();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [issue]);

  if (lines.length === 0) return null;
  return (
    <section className="panel" aria-label="现场补号">
      <header className="panel-head">
        <span>现场补号</span>
        {last && (
          <span className="panel-extra" data-testid="walk-in-last">
            上一张 {last}
          </span>
        )}
      </header>
      <div className="walk-in-body">
        {lines.length > 1 && (
          <Segmented
            size="small"
            value={chosen ?? undefined}
            options={lines.map((line) => ({ value: line.lineId, label: `${line.lineId} ${line.name}` }))}
            onChange={(value) => setLineId(String(value))}
            data-testid="walk-in-line"
          />
        )}
        <Button data-testid="walk-in-issue" loading={busy} onClick={() => void issue()} title={`现场补号（${WALK_IN_HOTKEY}）`}>
          现场补号<kbd>{WALK_IN_HOTKEY}</kbd>
        </Button>
      </div>
    </section>
  );
}
