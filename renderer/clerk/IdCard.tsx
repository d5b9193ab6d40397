// The ID card reader (二代证阅读器) on the clerk's screen: its badge in the
// status bar; each card laid on it, which fills the applicant form when the
// 办件 form is open or else offers to start a case (Enter 开始办件, Esc 忽略);
// an expired card refused in red, the clerk confirming to go on with a typed
// identity; a card the counter could not read or check said in red, nothing
// filled. What the form shows of the card (sex, birth date, address,
// validity) sits under the applicant fields while they hold that card's name
// and number.
import { Alert, Button, Modal, Tooltip } from 'antd';
import { useContext, useEffect, useRef, useState } from 'react';
import type { ClerkState } from '../../common/contract.ts';
import { expiredCardMessage, ID_CARD_TYPE_NAME, type IdCardIdentity, type IdCardRead } from '../../common/id-card.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import type { CaseStore } from './case-store.ts';
import { formHasInput } from './case-logic.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { RatingLinkContext } from './RatingPanel.tsx';
import type { StoreApi } from 'zustand/vanilla';

const HEALTH: Record<NonNullable<ClerkState['devices']['idCardReader']>['state'], { label: string; level: 'ok' | 'warning' | 'error' }> = {
  ok: { label: '读卡器正常', level: 'ok' },
  not_answering: { label: '读卡器无响应', level: 'warning' },
  unplugged: { label: '读卡器未连接', level: 'error' },
};

/** In the header's status area: the reader's health (green / amber / red), what to do on hover. */
export function IdCardBadge() {
  const reader = useClerk((s) => s.state?.devices?.idCardReader ?? null);
  if (!reader) return null;
  const { label, level } = HEALTH[reader.state];
  return (
    <Tooltip title={reader.message}>
      <span className={`status-badge status-${level}`} data-testid="id-card-reader-state" data-state={reader.state} aria-label={`身份证阅读器：${label}`}>
        <span className="status-dot" />
        {label}
      </span>
    </Tooltip>
  );
}

/** The card that filled the form, while the form still holds its name and number. */
let filledCard: IdCardIdentity | null = null;

function fill(cases: StoreApi<CaseStore>, card: IdCardIdentity): void {
  const store = cases.getState();
  store.setApplicantType('person');
  store.setField('personName', card.name);
  store.setField('idNumber', card.idNumber);
  filledCard = card;
  store.say('info', `已读取${ID_CARD_TYPE_NAME[card.cardType]}，已填入申请人姓名和证件号码：请与持证人核对（外屏同步显示）`);
  // No item yet: the clerk picks it next (the applicant fields show once it is chosen).
  store.requestFocus(store.form.itemCode ? 'applicant' : 'search');
}

/** The 办件 form is open: the case tab, nothing decided yet. */
const formOpen = (cases: CaseStore) => cases.tab === 'case' && cases.result === null;

/**
 * Watches the clerk state for cards laid on the reader and acts once per
 * placement. Renders the offer (no form open), the expired-card dialog and
 * the reader's messages.
 */
export function IdCardReads() {
  const link = useContext(RatingLinkContext);
  const cases = useCaseStoreApi();
  const read = useClerk((s) => s.state?.idCard ?? null);
  const ticket = useClerk((s) => s.state?.current?.number ?? null);
  const handled = useRef(0);
  const [offer, setOffer] = useState<IdCardRead | null>(null);
  const [expired, setExpired] = useState<{ read: IdCardRead; message: string } | null>(null);
  const [notice, setNotice] = useState<{ seq: number; text: string } | null>(null);
  const dismiss = (seq: number) => void link?.api.dismissIdCardRead({ seq }).catch(() => {});

  // Once per placement, from the clerk store's updates (a card that came before this mounted counts too).
  const clerk = useClerkStoreApi();
  useEffect(() => {
    const handle = (next: IdCardRead | null) => {
      if (!next || next.seq <= handled.current) return;
      handled.current = next.seq;
      setNotice(null);
      const { result } = next;
      if (result.kind !== 'card') {
        dismiss(next.seq);
        if (formOpen(cases.getState())) cases.getState().say('error', result.message);
        else setNotice({ seq: next.seq, text: result.message });
        return;
      }
      if (result.card.expired) {
        setOffer(null);
        setExpired({ read: next, message: expiredCardMessage(result.card) });
        return;
      }
      if (formOpen(cases.getState())) {
        setOffer(null);
        fill(cases, result.card);
      } else {
        setOffer(next);
      }
    };
    queueMicrotask(() => handle(clerk.getState().state?.idCard ?? null));
    return clerk.subscribe((s) => handle(s.state?.idCard ?? null));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- subscribed once
  }, [clerk, cases]);

  // The card stays on the outward screen while the form holds it; it goes once the case is decided or the identity retyped.
  const form = useCases((s) => s.form.applicant);
  const decided = useCases((s) => s.result !== null);
  useEffect(() => {
    const held = read?.result.kind === 'card' ? read : null;
    if (!held || offer || expired || held.seq !== handled.current || filledCard === null) return;
    if (decided || form.personName !== filledCard.name || form.idNumber !== filledCard.idNumber) {
      filledCard = decided ? filledCard : null;
      dismiss(held.seq);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on form changes
  }, [form, decided]);

  const startCase = () => {
    if (!offer || offer.result.kind !== 'card') return;
    const store = cases.getState();
    if (store.result !== null || !formHasInput(store.form)) store.newCase(ticket);
    store.setTab('case');
    if (!store.catalogue) void store.loadCatalogue();
    fill(cases, offer.result.card);
    setOffer(null);
  };
  const ignore = () => {
    if (offer) dismiss(offer.seq);
    setOffer(null);
  };
  const confirmExpired = () => {
    if (!expired) return;
    dismiss(expired.read.seq);
    setExpired(null);
    const store = cases.getState();
    if (formOpen(store)) {
      store.say('warning', '证件已过期，未填入：请核验申请人的有效证件后手工录入');
      store.requestFocus(store.form.itemCode ? 'applicant' : 'search');
    }
  };

  // Enter 开始办件, Esc 忽略 while the offer shows (nothing else is being typed then: no form is open).
  useEffect(() => {
    if (!offer) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === 'Enter') {
        event.preventDefault();
        startCase();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        ignore();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  const offered = offer?.result.kind === 'card' ? offer.result.card : null;
  return (
    <>
      {offered && (
        <Alert
          className="id-card-offer"
          data-testid="id-card-offer"
          type="info"
          showIcon
          message={
            <span>
              已读取{ID_CARD_TYPE_NAME[offered.cardType]}：<b>{offered.name}</b>，{offered.idNumber}（{offered.sex}，有效期 {offered.validity}）
            </span>
          }
          action={
            <span className="id-card-offer-actions">
              <Button type="primary" size="small" data-testid="id-card-start-case" onClick={startCase}>
                开始办件 <kbd>Enter</kbd>
              </Button>
              <Button size="small" data-testid="id-card-ignore" onClick={ignore}>
                忽略 <kbd>Esc</kbd>
              </Button>
            </span>
          }
        />
      )}
      {notice && (
        <Alert
          className="id-card-offer"
          data-testid="id-card-notice"
          type="error"
          showIcon
          message={notice.text}
          closable={{ 'aria-label': '知道了' }}
          onClose={() => setNotice(null)}
        />
      )}
      <Modal
        open={expired !== null}
        title="证件已过期"
        closable={false}
        maskClosable={false}
        keyboard={false}
        // At once, no fade: a refusal is not to be missed (and a screenshot sees it as the clerk does).
        transitionName=""
        maskTransitionName=""
        footer={
          <Button type="primary" danger data-testid="id-card-expired-confirm" onClick={confirmExpired} autoFocus>
            确认，改为手工录入有效证件
          </Button>
        }
      >
        <div className="id-card-expired" data-testid="id-card-expired" role="alert">
          {expired?.message}
        </div>
        <p className="id-card-expired-hint">表单未填入此证件的信息。请申请人出示有效证件，核对后手工录入。</p>
      </Modal>
    </>
  );
}

/** Under the applicant fields: what the card said beyond name and number, while the form holds that card's identity. */
export function IdCardInfo() {
  const applicant = useCases((s) => s.form.applicant);
  const card = filledCard;
  if (!card || applicant.type !== 'person' || applicant.personName !== card.name || applicant.idNumber !== card.idNumber) {
    return null;
  }
  return (
    <div className="id-card-info" data-testid="id-card-info">
      <span className="id-card-info-tag">读卡</span>
      <span>
        性别 <b data-testid="id-card-sex">{card.sex}</b>
      </span>
      <span>
        出生日期 <b data-testid="id-card-birth">{card.birthDate}</b>
      </span>
      <span className="id-card-info-address">
        住址 <b data-testid="id-card-address">{card.address}</b>
      </span>
      <span>
        证件有效期 <b data-testid="id-card-validity">{card.validity}</b>
      </span>
    </div>
  );
}
