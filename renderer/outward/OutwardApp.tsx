// The citizen-facing screen: the window, the clerk serving it and the number
// being called, readable from across the counter. Shows only what OutwardView
// carries (the core has already masked it).
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { OutwardView } from '../../common/contract.ts';
import type { OutwardStore } from './store.ts';
import { announcementText } from './text.ts';

export function OutwardApp({ store }: { store: StoreApi<OutwardStore> }) {
  const view = useStore(store, (s) => s.view);
  const link = useStore(store, (s) => s.link);
  return (
    <div
      className={`ow ow-mode-${view?.mode ?? 'blank'}`}
      data-testid="outward-mode"
      data-mode={view?.mode ?? ''}
      data-link={link}
    >
      {view && (
        <>
          <header className="ow-top">
            <div className="ow-hall">{view.hallName}</div>
            {view.windowName && (
              <div className="ow-window" data-testid="outward-window-name">
                {view.windowName}
              </div>
            )}
          </header>
          <main className={view.clerk ? 'ow-body' : 'ow-body ow-body-solo'}>
            {view.clerk && <ClerkCard clerk={view.clerk} />}
            <section className="ow-stage">
              <Stage view={view} />
            </section>
          </main>
        </>
      )}
      {/* A quiet sign for staff that the screen is not being updated; no words for the citizen. */}
      {link !== 'open' && <span className="ow-link-lost" aria-hidden="true" />}
    </div>
  );
}

function ClerkCard({ clerk }: { clerk: NonNullable<OutwardView['clerk']> }) {
  return (
    <aside className="ow-clerk">
      <div className="ow-photo-frame">
        <img
          className="ow-photo"
          data-testid="outward-clerk-photo"
          src={clerk.photo}
          alt={`工作人员 ${clerk.name} 的照片`}
        />
      </div>
      <div className="ow-clerk-text">
        <div className="ow-clerk-name" data-testid="outward-clerk-name">
          {clerk.name}
        </div>
        <dl className="ow-clerk-facts">
          <dt>工号</dt>
          <dd data-testid="outward-clerk-staff-no">{clerk.staffNo}</dd>
          <dt>部门</dt>
          <dd data-testid="outward-clerk-department">{clerk.department}</dd>
        </dl>
      </div>
    </aside>
  );
}

function Stage({ view }: { view: OutwardView }) {
  if (view.mode === 'closed') {
    return (
      <div className="ow-closed">
        <div className="ow-closed-title">暂停服务</div>
        <div className="ow-closed-sub">本窗口暂未开放</div>
      </div>
    );
  }
  if (view.mode === 'serving' && view.calling) {
    const { number, lineName, announcement } = view.calling;
    return (
      <div className="ow-calling" data-testid="outward-announcement" data-announcement={announcement}>
        <div className="ow-calling-caption">正在呼叫 · {lineName}</div>
        {/* A new key on every announcement remounts the number, which restarts its flash. */}
        <div
          key={`${number}#${announcement}`}
          className={number.length > 4 ? 'ow-number ow-number-long' : 'ow-number'}
          data-testid="outward-number"
        >
          {number}
        </div>
        <div className="ow-calling-line">{announcementText(number, view.windowName)}</div>
      </div>
    );
  }
  return (
    <div className="ow-idle">
      <div className="ow-welcome">欢迎办理</div>
      {view.notice && <div className="ow-notice">{view.notice}</div>}
    </div>
  );
}
