// 办件进度查询: the page the 受理回执's QR code opens, GET /case/{caseNo}
// (main/printing/print-service.ts caseLookupUrl). Public, without a token —
// that is the point of a QR code on paper — so it shows only what the
// receipt's holder may see: the case number, the item, the status in the
// hall's words, the promised completion date, the owed 容缺 materials with
// their 补交 deadline and whether each arrived, and the applicant's masked
// name. Never the ID number, the phone, the clerk, the window's staff, the
// refusal text (free text a clerk typed) or any time of day.
//
// Every answer is a page (server/public-page.ts: the shell, the CSP, the
// per-address lookup limit): an unknown or malformed number, a bad escape and
// too many lookups each get a page of their own, never a JSON body.
import { isoDateAt } from '../common/calendar.ts';
import type { ServerCase } from '../common/http-api.ts';
import { ANY_CASE_NO, normalizeCaseNo } from '../common/hall-codes.ts';
import { maskName } from '../common/mask.ts';
import { createPublicPages, escapeHtml, LOOKUPS_PER_MINUTE, type PublicPage } from './public-page.ts';


export interface CaseProgressOptions {
  clock: () => Date;
  /** The case as the hall server holds it, or null. */
  findCase: (caseNo: string) => ServerCase | null;
  /** The hall's name for the page's heading (settings), or null. */
  hallName: () => string | null;
  perMinute?: number;
}

export function createCaseProgress({ clock, findCase, hallName, perMinute = LOOKUPS_PER_MINUTE }: CaseProgressOptions) {
  const pages = createPublicPages({ title: '办件进度查询', style: STYLE, clock, perMinute });
  const messagePage = pages.message;
  const page = pages.page;

  return {
    /**
     * The page for a lookup of `rawCaseNo` as it stands in the path (still
     * %-escaped) from `address`. Never throws for any input.
     */
    answer(rawCaseNo: string, address: string): PublicPage {
      const heading = hallName();
      const refused = pages.refuseIfTooMany(heading, address);
      if (refused) return refused;
      let caseNo: string;
      try {
        // Typed into the address bar: full-width, lower case or spaced forms of 20261207-B12-1042-0012 too.
        caseNo = normalizeCaseNo(decodeURIComponent(rawCaseNo));
      } catch {
        return {
          status: 400,
          html: messagePage(heading, '查询地址不正确', [
            '请直接扫描受理回执上的二维码，或核对回执上的办件编号，或咨询服务台。',
          ]),
        };
      }
      const found = ANY_CASE_NO.test(caseNo) ? findCase(caseNo) : null;
      if (!found) {
        return {
          status: 404,
          html: messagePage(heading, '未查到该办件', [
            '请核对回执上的办件编号（如 20261207-B12-1042-0012；较早的回执上为 17 位数字），或咨询服务台。',
            '刚受理的办件，可能需要几分钟后才能查到。',
          ]),
        };
      }
      return { status: 200, html: page(heading, progressBody(found, isoDateAt(clock()))) };
    },
  };
}

// ---- the pages ------------------------------------------------------------------

/** 2026-03-10 → 2026年3月10日 */
function chineseDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

type Tone = 'ok' | 'wait' | 'owe' | 'stop';

/** The case's status in the hall's words, its tone and what it means for the citizen. */
function statusOf(record: ServerCase): { label: string; tone: Tone; hint: string } {
  const owes = record.missing.some((m) => !m.suppliedAt);
  switch (record.status) {
    case 'finished':
      return record.outcome === 'approved'
        ? { label: '已办结（准予）', tone: 'ok', hint: '办件已办结，请按窗口告知的方式领取办理结果。' }
        : { label: '已办结（不予）', tone: 'stop', hint: '办件已办结，决定为不予许可；理由以书面决定为准，如有疑问请咨询服务台。' };
    case 'refused':
      return { label: '不予受理', tone: 'stop', hint: '申请未予受理，理由见窗口出具的不予受理通知书；如有疑问请咨询服务台。' };
    case 'notice':
      return { label: '一次性告知', tone: 'owe', hint: '申请材料不齐，尚未受理。请按一次性告知书补齐下列材料后，再到窗口申请。' };
    case 'accepted':
      if (record.decision === 'accept_with_missing' && owes) {
        return { label: '容缺受理·待补交', tone: 'owe', hint: '已容缺受理。请在补交期限前将下列材料送交受理窗口，材料补齐后办结。' };
      }
      return {
        label: '已受理',
        tone: 'wait',
        hint: record.promisedDate ? '窗口已受理，正在审查办理，将在承诺办结日期前办结。' : '窗口已受理，正在办理。',
      };
  }
}

function promisedText(record: ServerCase): string | null {
  if (record.status === 'notice' || record.status === 'refused') return null;
  if (record.promisedDate) return chineseDate(record.promisedDate);
  return record.kind === 'instant' ? '即办件（当场办结）' : null;
}

function materialsSection(record: ServerCase, today: string): string {
  if (record.missing.length === 0 || record.status === 'refused') return '';
  if (record.status === 'notice') {
    const rows = record.missing.map((m) => `<li>${escapeHtml(m.name)}</li>`).join('');
    return `<section><h2>需补齐的材料</h2><ul class="plain">${rows}</ul></section>`;
  }
  if (record.decision !== 'accept_with_missing') return '';
  const rows = record.missing
    .map((m) => {
      const state = m.suppliedAt
        ? `<span class="tag ok">已补交 ${escapeHtml(chineseDate(isoDateAt(m.suppliedAt)).slice(5))}</span>`
        : record.owedBy && today > record.owedBy
          ? '<span class="tag stop">未补交·已逾期</span>'
          : '<span class="tag owe">未补交</span>';
      const due = record.owedBy ? `<div class="due">补交期限：${chineseDate(record.owedBy)}</div>` : '';
      return `<li><div class="name">${escapeHtml(m.name)}</div>${due}${state}</li>`;
    })
    .join('');
  return `<section><h2>容缺材料补交情况</h2><ul class="owed">${rows}</ul></section>`;
}

/** The page's body for a case found. */
function progressBody(record: ServerCase, today: string): string {
  const status = statusOf(record);
  const promised = promisedText(record);
  const fields: [string, string][] = [
    ['办件编号', `<span class="no">${escapeHtml(record.caseNo)}</span>`],
    ['办理事项', escapeHtml(record.itemName)],
    // Masked again here: whatever a counter sent, the page shows one character of the name.
    ['申请人', escapeHtml(maskName(record.applicantMasked.name.trim()))],
    ...(promised ? ([['承诺办结日期', escapeHtml(promised)]] as [string, string][]) : []),
  ];
  const list = fields.map(([k, v]) => `<div class="row"><dt>${k}</dt><dd>${v}</dd></div>`).join('');
  const body = `
<section class="status ${status.tone}"><div class="label">办件状态</div><div class="value">${status.label}</div><p>${status.hint}</p></section>
<section><dl>${list}</dl></section>
${materialsSection(record, today)}
<p class="foot">本页仅显示办件进度，不含证件号码、联系电话等个人信息。如有疑问，请凭受理回执咨询服务台。</p>`;
  return body;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f2f4f7;color:#1f2328;font:16px/1.6 "PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
header{background:#b71c1c;color:#fff;padding:16px 20px}
header .hall{font-size:14px;opacity:.9}
header h1{margin:2px 0 0;font-size:22px;font-weight:600}
main{max-width:560px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:10px;padding:16px;margin-bottom:12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:16px;margin:0 0 8px}
.status .label{font-size:14px;color:#57606a}
.status .value{font-size:24px;font-weight:700;margin:2px 0 6px}
.status p{margin:4px 0 0;color:#3d444d}
.status.ok .value{color:#1a7f37}.status.wait .value{color:#0b5cad}.status.owe .value{color:#b35900}.status.stop .value{color:#b71c1c}
dl{margin:0}
.row{display:flex;gap:12px;padding:8px 0;border-bottom:1px solid #eaeef2}
.row:last-child{border-bottom:0}
dt{flex:0 0 6.5em;color:#57606a}
dd{margin:0;flex:1;min-width:0;overflow-wrap:anywhere;font-weight:500}
.no{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.02em}
ul{margin:0;padding:0;list-style:none}
ul.plain{padding-left:1.2em;list-style:disc}
.owed li{padding:10px 0;border-bottom:1px solid #eaeef2}
.owed li:last-child{border-bottom:0}
.owed .name{font-weight:500;overflow-wrap:anywhere}
.owed .due{font-size:14px;color:#57606a}
.tag{display:inline-block;margin-top:4px;font-size:14px;padding:1px 8px;border-radius:10px}
.tag.ok{background:#dafbe1;color:#1a7f37}.tag.owe{background:#fff1e0;color:#b35900}.tag.stop{background:#ffebe9;color:#b71c1c}
.foot{font-size:13px;color:#57606a;margin:8px 4px}
`;
