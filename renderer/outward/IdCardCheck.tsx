// The card just laid on the ID card reader, as the citizen sees it: masked,
// for them to check it is their card (and, expired, that it cannot be used).
import type { OutwardView } from '../../common/contract.ts';

export function IdCardCheck({ card }: { card: NonNullable<OutwardView['idCard']> }) {
  return (
    <div className={`ow-idcard${card.expired ? ' ow-idcard-expired' : ''}`} data-testid="outward-id-card">
      <div className="ow-idcard-caption">已读取{card.cardTypeName}，请核对</div>
      <dl className="ow-idcard-fields">
        <dt>姓名</dt>
        <dd data-testid="outward-id-card-name">{card.nameMasked}</dd>
        <dt>证件号码</dt>
        <dd data-testid="outward-id-card-number">{card.idMasked}</dd>
        <dt>有效期</dt>
        <dd>{card.validity}</dd>
      </dl>
      {card.expired && (
        <div className="ow-idcard-warning" data-testid="outward-id-card-expired">
          证件已过期，请出示有效证件
        </div>
      )}
    </div>
  );
}
