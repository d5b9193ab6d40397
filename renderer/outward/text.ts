// Wording of the outward screen. Kept free of zod (the outward bundle stays
// small): labels that also exist in common/cases.ts are repeated here and a
// unit test keeps them in agreement.
import type { OutwardCase } from '../../common/cases.ts';

/** 「请 A012 号到 3号窗口办理」 (DOMAIN.md). */
export function announcementText(number: string, windowName: string | null): string {
  return windowName ? `请 ${number} 号到 ${windowName}办理` : `请 ${number} 号办理`;
}

type Decision = NonNullable<OutwardCase['decision']>;

/** Same words as DECISION_LABEL in common/cases.ts. */
export const DECISION_WORDS: Record<Decision, string> = {
  accept: '受理',
  accept_with_missing: '容缺受理',
  notice: '一次性告知',
  refuse: '不予受理',
};

/** What the citizen reads under the decision. */
export const DECISION_EXPLAINED: Record<Decision, string> = {
  accept: '您的申请已受理，请留存办件编号，凭编号查询办理进度。',
  accept_with_missing: '您的申请已容缺受理，请在期限内补交标注“待补交”的材料。',
  notice: '材料尚不齐全，请按一次性告知书补齐标注“待补”的全部材料后再来办理。',
  refuse: '您的申请不予受理，具体理由请听工作人员说明并以书面决定为准。',
};

/** Under a 即办件 finished on the spot. */
export const FINISHED_EXPLAINED = '本事项已当场办结，请向工作人员领取办理结果。';

/** What an unticked material is called once decided: owed after 容缺受理, to bring otherwise. */
export function missingWord(decision: OutwardCase['decision']): string {
  return decision === 'accept_with_missing' ? '待补交' : '待补';
}

const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'];

/** "2026-03-10" → "2026年3月10日 星期二"; anything else as it is. */
export function citizenDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${year}年${month}月${day}日 星期${WEEKDAY[weekday]}`;
}
