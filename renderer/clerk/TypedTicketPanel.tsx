// 手动录入票号 (Alt+M): while the counter is offline, the clerk serves a
// central ticket by typing its number from the citizen's slip (e.g. A012).
// The hall server reconciles it on reconnect; a ticket served twice becomes a
// conflict record for the hall manager. Online, the clerk uses 叫号 instead,
// so the panel is shown only while offline.
import { Button, Input, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ActionPanel, usePanelCall } from './ActionPanel.tsx';
import { useClerk, useClerkStoreApi } from './context.ts';
import { isAltKey } from './logic.ts';

/** Alt+M (手动): Alt+W is 现场补号, Alt+P the print queue, Alt+S/R/G/B/Q/T/1…9 the case form. */
export const TYPED_TICKET_HOTKEY = 'Alt+M';
const isTypedTicketHotkey = isAltKey('M');

export function TypedTicketPanel() {
  const clerkStore = useClerkStoreApi();
  const offline = useClerk((s) => s.state !== null && s.state.connection.state !== 'online');
  const [number, setNumber] = useState('');
  const { ready, busy, last, run } = usePanelCall('手动录入票号');
  const input = useRef<InputRef>(null);

  const submit = async () => {
    if (!ready) return;
    const typed = number.trim().toUpperCase();
    if (typed === '') {
      clerkStore.getState().tell('error', '手动录入票号：请先输入群众取号凭条上的票号，如 A012');
      return;
    }
    await run(async (api) => {
      const served = await api.serveTypedTicket({ number: typed });
      setNumber('');
      return {
        number: served.number,
        told: `已登记本窗口办理票号 ${served.number}，联网后自动上报大厅服务器`,
      };
    });
  };

  useEffect(() => {
    if (!offline) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isTypedTicketHotkey(event)) return;
      event.preventDefault();
      input.current?.focus();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [offline]);

  if (!offline) return null;
  return (
    <ActionPanel
      label="手动录入票号"
      title={
        <>
          手动录入票号<kbd className="typed-ticket-kbd">{TYPED_TICKET_HOTKEY}</kbd>
        </>
      }
      last={last && <>已登记 {last}</>}
      lastTestId="typed-ticket-last"
    >
      <Input
        ref={input}
        size="small"
        value={number}
        maxLength={8}
        placeholder="凭条上的票号，如 A012、AB012、W01-003"
        aria-label="手动录入票号"
        data-testid="typed-ticket-input"
        onChange={(event) => setNumber(event.target.value)}
        onPressEnter={() => void submit()}
      />
      <Button data-testid="typed-ticket-submit" loading={busy} onClick={() => void submit()}>
        登记办理
      </Button>
    </ActionPanel>
  );
}
