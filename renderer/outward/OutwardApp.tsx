// The citizen-facing screen: the window, the clerk serving it and the number
// being called, readable from across the counter; while the clerk fills in a
// case, the case itself for the citizen to check (item, masked applicant,
// materials, then the decision). Shows only what OutwardView carries (the
// core has already masked it). Plain React: no antd, no zod in this bundle.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { OutwardView } from '../../common/contract.ts';
import type { OutwardStore } from './store.ts';
import { TestPattern, useTestPattern } from './TestPattern.tsx';
import {
  announcementText,
  citizenDate,
  DECISION_EXPLAINED,
  DECISION_WORDS,
  FINISHED_EXPLAINED,
  missingWord,
} from './text.ts';
import { IdCardCheck } from './IdCardCheck.tsx';

export function OutwardApp({ store }: { store: StoreApi<OutwardStore> }) {
  const view = useStore(store, (s) => s.view);
  const link = useStore(store, (s) => s.link);
  const testPattern = useTestPattern(view?.testPatternUntil);
  return (
    <div
      className={`ow ow-mode-${view?.mode ?? 'blank'}`}
      data-testid="outward-mode"
      data-mode={view?.mode ?? ''}
      data-link={link}
    >
      {view && testPattern && <TestPattern windowName={view.windowName} hallName={view.hallName} />}
      {/* A citizen still rating when the clerk locked the screen answers first; 暂停服务 follows. */}
      {view && !testPattern && view.mode === 'paused' && !view.rating && <Paused view={view} />}
      {view && !testPattern && (view.mode !== 'paused' || view.rating) && (
        <>
          <header className="ow-top">
            <div className="ow-hall">{view.hallName}</div>
            {view.windowName && (
              <div className="ow-window" data-testid="outward-window-name">
                {view.windowName}
              </div>
            )}
          </header>
          <main
            className={`ow-body${view.clerk ? '' : ' ow-body-solo'}${view.case && view.mode !== 'closed' ? ' ow-body-case' : ''}`}
          >
            {view.clerk && <ClerkCard clerk={view.clerk} />}
            <section className="ow-stage">
              {view.rating ? (
                <div className="ow-rate-stack">
                  {/* 叫号 while the citizen before is still rating: the prompt stays, the new number is called above it. */}
                  {view.mode === 'serving' && view.calling && !view.case && (
                    <CallingStrip calling={view.calling} windowName={view.windowName} />
                  )}
                  {/* Keyed by session: a choice made for one citizen never carries over to the next waiting one. */}
                  <RatingPrompt key={view.rating.sessionId} rating={view.rating} store={store} />
                </div>
              ) : (
                <Stage view={view} />
              )}
            </section>
          </main>
        </>
      )}
      {/* A quiet sign for staff that the screen is not being updated; no words for the citizen. */}
      {link !== 'open' && <span className="ow-link-lost" aria-hidden="true" />}
    </div>
  );
}

/** "13:30": the hall's (Beijing, UTC+8) time of an ISO time, whatever the browser's zone. */
function beijingHourMinute(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? '' : new Date(at + 8 * 3600_000).toISOString().slice(11, 16);
}

/** 暂停服务: the clerk's screen is locked, or the window paused with a reason (午休 …, shown with the expected return). */
function Paused({ view }: { view: OutwardView }) {
  return (
    <div className="ow-paused" data-testid="outward-paused">
      <div className="ow-paused-hall">{view.hallName}</div>
      {view.windowName && (
        <div className="ow-paused-window" data-testid="outward-window-name">
          {view.windowName}
        </div>
      )}
      <div className="ow-paused-title">暂停服务</div>
      {view.pause ? (
        <div className="ow-paused-sub" data-testid="outward-pause-reason">
          {view.pause.reason}
          {view.pause.expectedBackAt && (
            <span className="ow-paused-back" data-testid="outward-pause-back">
              ，预计 {beijingHourMinute(view.pause.expectedBackAt)} 恢复服务
            </span>
          )}
        </div>
      ) : (
        <div className="ow-paused-sub">工作人员暂时离开，请稍候</div>
      )}
      {view.notice && (
        <div className="ow-paused-notice" data-testid="outward-notice">
          {view.notice}
        </div>
      )}
    </div>
  );
}

/** The number called while the rating prompt of the citizen before is still up. */
function CallingStrip({
  calling,
  windowName,
}: {
  calling: NonNullable<OutwardView['calling']>;
  windowName: string | null;
}) {
  return (
    <div className="ow-calling-strip" data-testid="outward-announcement" data-announcement={calling.announcement}>
      <span className="ow-strip-caption">正在呼叫</span>
      <span key={`${calling.number}#${calling.announcement}`} className="ow-strip-number" data-testid="outward-number">
        {calling.number}
      </span>
      <span className="ow-strip-line">{announcementText(calling.number, windowName)}</span>
    </div>
  );
}

const LEVEL_CLASS: Record<number, string> = {
  5: 'ow-rate-5',
  4: 'ow-rate-4',
  3: 'ow-rate-3',
  2: 'ow-rate-2',
  1: 'ow-rate-1',
};

/** 好差评: five large buttons (the evaluator's keys work the same), and the time left. */
function RatingPrompt({
  rating,
  store,
}: {
  rating: NonNullable<OutwardView['rating']>;
  store: StoreApi<OutwardStore>;
}) {
  const [now, setNow] = useState(() => Date.now());
  const [chosen, setChosen] = useState<number | null>(null);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(timer);
  }, []);
  const secondsLeft = Math.max(0, Math.ceil((Date.parse(rating.endsAt) - now) / 1000));
  return (
    <div className="ow-rate" data-testid="outward-rating" data-session={rating.sessionId}>
      <div className="ow-rate-title" data-testid="outward-rating-title">
        {rating.ticketNumber ? `请 ${rating.ticketNumber} 号对刚才的服务进行评价` : '请您对本次服务进行评价'}
      </div>
      <div className="ow-rate-sub">请按评价器按键，或直接点击下方选项</div>
      <div className="ow-rate-levels">
        {rating.levels.map(({ level, name }) => (
          <button
            key={level}
            type="button"
            className={`ow-rate-button ${LEVEL_CLASS[level] ?? ''}${chosen === level ? ' ow-rate-chosen' : ''}`}
            data-testid={`outward-rate-${level}`}
            disabled={chosen !== null}
            onClick={() => {
              setChosen(level);
              void store.getState().rate(rating.sessionId, level);
            }}
          >
            {name}
          </button>
        ))}
      </div>
      <div className="ow-rate-time" data-testid="outward-rating-seconds">
        评价自愿，{secondsLeft} 秒后自动结束
      </div>
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
  // An expired card goes before the case: the citizen must see that it cannot be used.
  if (view.idCard?.expired) return <IdCardCheck card={view.idCard} />;
  if (view.case) return <CaseMirror view={view} kase={view.case} />;
  if (view.idCard) return <IdCardCheck card={view.idCard} />;
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

/** Every material of the item, ticked as the clerk receives them. */
function MaterialsGrid({ kase, provided }: { kase: NonNullable<OutwardView['case']>; provided: number }) {
  return (
    <>
      <div className="ow-case-materials-head">
        申请材料
        <span>
          已收 {provided} / {kase.materials.length}
        </span>
      </div>
      <ol
        className={
          kase.materials.length > 3 ? 'ow-case-materials ow-case-materials-two' : 'ow-case-materials'
        }
      >
        {kase.materials.map((m, index) => (
          <li
            key={`${index}-${m.name}`}
            className={m.provided ? 'ow-mat ow-mat-ok' : 'ow-mat'}
            data-testid={`outward-material-${index}`}
            data-provided={m.provided}
          >
            <span className="ow-mat-mark" aria-hidden="true">
              {m.provided ? '✓' : ''}
            </span>
            <span className="ow-mat-name">{m.name}</span>
            {!m.provided && (
              <span className="ow-mat-state">{kase.decision ? missingWord(kase.decision) : '未收'}</span>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

/**
 * After 容缺受理 (待补交) or 一次性告知 (待补): every material still missing,
 * in full — never clipped, names wrap — with how many were received.
 */
function MissingList({ kase, provided }: { kase: NonNullable<OutwardView['case']>; provided: number }) {
  const missing = kase.materials.filter((m) => !m.provided);
  return (
    <div className="ow-owed" data-testid="outward-owed">
      <div className="ow-case-materials-head">
        {kase.decision === 'accept_with_missing' ? '待补交材料' : '需补齐材料'}
        <span>{missing.length} 项</span>
        <span className="ow-owed-received">
          已收 {provided} / {kase.materials.length}
        </span>
      </div>
      <ol
        className={
          missing.length > 3
            ? 'ow-case-materials ow-owed-list ow-case-materials-two'
            : 'ow-case-materials ow-owed-list'
        }
      >
        {missing.map((m, index) => (
          <li key={`${index}-${m.name}`} className="ow-owed-item" data-testid={`outward-owed-${index}`}>
            <span className="ow-owed-no" aria-hidden="true">
              {index + 1}
            </span>
            <span className="ow-owed-name">{m.name}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The case as the clerk fills it in: the citizen checks it before 受理, then sees the decision. */
function CaseMirror({ view, kase }: { view: OutwardView; kase: NonNullable<OutwardView['case']> }) {
  const decided = kase.decision !== null;
  const provided = kase.materials.filter((m) => m.provided).length;
  // Once decided with something missing, the citizen needs that list whole: it takes the materials' place.
  const listsMissing =
    (kase.decision === 'accept_with_missing' || kase.decision === 'notice') && provided < kase.materials.length;
  return (
    <div className="ow-case" data-testid="outward-case" data-decision={kase.decision ?? ''}>
      <div className="ow-case-top">
        <div className="ow-case-caption">{decided ? '办理结果' : '请核对办理信息'}</div>
        {view.calling && (
          <div
            key={`${view.calling.number}#${view.calling.announcement}`}
            className="ow-case-ticket"
            data-testid="outward-number"
          >
            {view.calling.number}
          </div>
        )}
      </div>
      <div className="ow-case-item" data-testid="outward-case-item">
        {kase.itemName}
      </div>
      <dl className="ow-case-applicant">
        <div>
          <dt>申请人</dt>
          <dd data-testid="outward-case-applicant">{kase.applicantName || '—'}</dd>
        </div>
        <div>
          <dt>{kase.applicantType === 'enterprise' ? '统一社会信用代码' : '身份证号'}</dt>
          <dd className="ow-case-id" data-testid="outward-case-id">
            {kase.idMasked || '—'}
          </dd>
        </div>
      </dl>
      {listsMissing ? (
        <MissingList kase={kase} provided={provided} />
      ) : (
        <MaterialsGrid kase={kase} provided={provided} />
      )}
      {kase.decision ? (
        <div className={`ow-case-decision ow-decision-${kase.decision}`} data-testid="outward-case-decision">
          <div className="ow-decision-main">
            <span className="ow-decision-word">
              {kase.status === 'finished' && kase.outcome
                ? `办结（${kase.outcome === 'approved' ? '准予' : '不予'}）`
                : DECISION_WORDS[kase.decision]}
            </span>
            {kase.caseNo && (
              <span className="ow-decision-no">
                办件编号 <strong data-testid="outward-case-no">{kase.caseNo}</strong>
              </span>
            )}
          </div>
          {kase.promisedDate && (
            <div className="ow-decision-date">
              承诺办结日期{' '}
              <strong data-testid="outward-case-promised">{citizenDate(kase.promisedDate)}</strong>
            </div>
          )}
          {kase.owedBy && (
            <div className="ow-decision-date">
              补交材料截止 <strong data-testid="outward-case-owed-by">{citizenDate(kase.owedBy)}</strong>
            </div>
          )}
          <div className="ow-decision-explain">
            {kase.status === 'finished' ? FINISHED_EXPLAINED : DECISION_EXPLAINED[kase.decision]}
          </div>
        </div>
      ) : (
        <div className="ow-case-check">如姓名、证件号码或材料有误，请当场告知工作人员</div>
      )}
    </div>
  );
}
