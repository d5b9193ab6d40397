// 手动录入票号 (Alt+M): while the counter is offline, the clerk serves a
// central ticket by typing its number from the citizen's slip (e.g. A012).
// The hall server reconciles it on reconnect; a ticket served twice becomes a
// conflict record for the hall manager. Online, the clerk uses 叫号 instead,
// so the panel is shown only while offline.
import { Button, Input, type InputRef } from 'antd';
import { useCallback, useContext, useEffect, useRef, useState } from 'react';
import { CallError } from '../transport.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { RatingLinkContext } from './RatingPanel.tsx';

/** Alt+M (手动): Alt+W is 现场补号, Alt+P the print queue, Alt+S/R/G/B/Q/T/1…9 the case form. */
export const TYPED_TICKET_HOTKEY = 'Alt+M';

const message = (error: unknown) =>
  error instanceof CallError ? error.message : '终端内部错误，请重试；如反复出现请联系管理员';

export function TypedTicketPanel() {
  const link = useContext(RatingLinkContext);
  const clerkStore = useClerkStoreApi();
  const offline = useClerk((s) => s.state !== null && s.state.connection.state !== 'online');
  const [number, setNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const input = useRef<InputRef>(null);

  const submit = useCallback(async () => {
    if (!link || busy) return;
    const typed = number.trim().toUpperCase();
    if (typed === '') {
      clerkStore.getState().tell('error', '手动录入票号：请先输入群众取号凭条上的票号，如 A012');
      return;
    }
    setBusy(true);
    try {
      const served = await link.api.serveTypedTicket({ number: typed });
      setLast(served.number);
      setNumber('');
      clerkStore.getState().tell('info', `已登记本窗口办理票号 ${served.number}，联网后自动上报大厅服务器`);
    } catch (error) {
      clerkStore.getState().tell('error', `手动录入票号：${message(error)}`);
    } finally {
      setBusy(false);
    }
  }, [link, busy, number, clerkStore]);

  useEffect(() => {
    if (!offline) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.code !== 'KeyM' || !event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      input.current?.focus();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [offline]);

  if (!offline) return null;
  return (
    <section className="panel" aria-label="手动录入票号">
      <header className="panel-head">
        <span>
          手动录入票号<kbd className="typed-ticket-kbd">{TYPED_TICKET_HOTKEY}</kbd>
        </span>
        {last && (
          <span className="panel-extra" data-testid="typed-ticket-last">
            已登记 {last}
          </span>
        )}
      </header>
      <div className="walk-in-body">
        <Input
          ref={input}
          size="small"
          value={number}
          maxLength={8}
          placeholder="凭条上的票号，如 A012，回车登记"
          aria-label="手动录入票号"
          data-testid="typed-ticket-input"
          onChange={(event) => setNumber(event.target.value)}
          onPressEnter={() => void submit()}
        />
        <Button data-testid="typed-ticket-submit" loading={busy} onClick={() => void submit()}>
          登记办理
        </Button>
      </div>
    </section>
  );
}
