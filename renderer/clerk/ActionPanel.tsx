// The side panels that hand out or take in one ticket number at a time
// (现场补号, 手动录入票号): one call at a time, the number last handled in the
// panel's head, and what happened told in the notice area.
import { useCallback, useContext, useState, type ReactNode } from 'react';
import type { HallDeskApi } from '../../common/contract.ts';
import { callErrorText } from '../transport.ts';
import { useClerkStoreApi } from './context.ts';
import { RatingLinkContext } from './RatingPanel.tsx';

/**
 * `run(call)`: once the call answers, its number shows in the head and `told`
 * goes to the notice area; a failure is told as `${what}：<the core's reason>`.
 * A second run while one is in flight is ignored.
 */
export function usePanelCall(what: string) {
  const link = useContext(RatingLinkContext);
  const clerkStore = useClerkStoreApi();
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const run = useCallback(
    async (call: (api: HallDeskApi) => Promise<{ number: string; told: string }>) => {
      if (!link || busy) return;
      setBusy(true);
      try {
        const { number, told } = await call(link.api);
        setLast(number);
        clerkStore.getState().tell('info', told);
      } catch (error) {
        clerkStore.getState().tell('error', `${what}：${callErrorText(error)}`);
      } finally {
        setBusy(false);
      }
    },
    [link, busy, clerkStore, what],
  );
  return { ready: link !== null && !busy, busy, last, run };
}

export function ActionPanel(props: {
  label: string;
  title: ReactNode;
  last: ReactNode;
  lastTestId: string;
  children: ReactNode;
}) {
  return (
    <section className="panel" aria-label={props.label}>
      <header className="panel-head">
        <span>{props.title}</span>
        {props.last && (
          <span className="panel-extra" data-testid={props.lastTestId}>
            {props.last}
          </span>
        )}
      </header>
      <div className="walk-in-body">{props.children}</div>
    </section>
  );
}
