// 排队进度: the page a 现场补号 slip's QR opens, GET /ticket/{day}/{number}
// (main/queue/walk-ins.ts ticketLookupUrl), as the 受理回执's QR opens the
// case's page (server/case-progress.ts, whose rules this follows). Public,
// without a token: it shows only what the slip's holder may see — the
// number, its line, whether it waits (and how many are served before it),
// is being called (to which window), or is done. No names, no staff, nothing
// personal: a ticket carries none.
//
// Every answer is a page (server/public-page.ts: the shell, the CSP, the
// per-address lookup limit); a malformed or unknown number gets a page of its own.
import type { RankedTicket } from '../common/queue.ts';
import { TICKET_NUMBER } from '../common/hall-codes.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import { createPublicPages, escapeHtml, LOOKUPS_PER_MINUTE, type PublicPage } from './public-page.ts';
import { createAheadCount, EFFECTIVE_LINE } from './waiting-queue.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = TICKET_NUMBER;

interface TicketRow {
  id: number;
  number: string;
  lineId: string;
  priority: RankedTicket['priority'];
  status: 'waiting' | 'called' | 'completed' | 'no_show' | 'parked';
  windowId: number | null;
  targetWindowId: number | null;
}

export function createTicketProgress(db: HallDatabase, { clock, perMinute = LOOKUPS_PER_MINUTE }: { clock: () => Date; perMinute?: number }) {
  const pages = createPublicPages({ title: '排队进度查询', style: STYLE, clock, perMinute });
  const { page } = pages;
  const message = (heading: string | null, what: string, lines: string[]) => pages.message(heading, what, lines);
  const config = createConfigStore(db);
  const selectTicket = db.prepare<[string, string], TicketRow>(
    `SELECT id, number, ${EFFECTIVE_LINE} AS lineId, priority, status, window_id AS windowId, target_window_id AS targetWindowId
     FROM tickets WHERE day = ? AND number = ? ORDER BY id DESC LIMIT 1`,
  );
  const aheadOf = createAheadCount(db);
  const selectOrder = db.prepare<[number], number>('SELECT COALESCE(sort_key, id) FROM tickets WHERE id = ?').pluck();
  const windowName = (windowId: number | null) =>
    windowId === null ? null : (config.get('window', String(windowId))?.name ?? `${windowId}号窗口`);

  return {
    /** The page for `rawDay` / `rawNumber` as they stand in the path (still %-escaped), from `address`. Never throws. */
    answer(rawDay: string, rawNumber: string, address: string): PublicPage {
      const heading = config.get('settings', 'hall')?.hallName ?? null;
      const refused = pages.refuseIfTooMany(heading, address);
      if (refused) return refused;
      let day: string;
      let number: string;
      try {
        day = decodeURIComponent(rawDay);
        number = decodeURIComponent(rawNumber);
      } catch {
        return { status: 400, html: message(heading, '查询地址不正确', ['请直接扫描排队号凭条上的二维码，或咨询服务台。']) };
      }
      const ticket = DAY.test(day) && NUMBER.test(number) ? selectTicket.get(day, number) : undefined;
      if (!ticket) {
        return {
          status: 404,
          html: message(heading, '未查到该排队号', ['请核对凭条上的号码和日期，或咨询服务台。', '网络中断时补的号，恢复联网后才能查到。']),
        };
      }
      const line = config.get('line', ticket.lineId)?.name ?? ticket.lineId;
      let state: { tone: string; label: string; hint: string };
      switch (ticket.status) {
        case 'waiting': {
          const order = selectOrder.get(ticket.id) ?? ticket.id;
          const ahead = aheadOf(day, { id: ticket.id, lineId: ticket.lineId, priority: ticket.priority, order });
          const target = windowName(ticket.targetWindowId);
          state = {
            tone: 'wait',
            label: ahead > 0 ? `您前面还有 ${ahead} 人` : '下一位就是您',
            hint: target ? `请留意叫号，到${target}办理。` : '请留意叫号屏和语音提示。',
          };
          break;
        }
        case 'called':
          state = { tone: 'ok', label: '正在叫号', hint: `请到${windowName(ticket.windowId) ?? '窗口'}办理。` };
          break;
        case 'parked':
          state = { tone: 'wait', label: '已挂起', hint: `材料备齐后请回到${windowName(ticket.windowId) ?? '原窗口'}，工作人员会回呼。` };
          break;
        case 'completed':
          state = { tone: 'ok', label: '已办理', hint: '本号已办理完毕，感谢您的耐心等候。' };
          break;
        case 'no_show':
          state = { tone: 'stop', label: '已过号', hint: '请到办理窗口说明，工作人员可为您回呼；也可咨询服务台。' };
          break;
      }
      const body = `<section class="status ${state.tone}"><div class="label">排队号</div><div class="no">${escapeHtml(ticket.number)}</div>
<div class="line">${escapeHtml(line)}</div><div class="value">${escapeHtml(state.label)}</div><p>${escapeHtml(state.hint)}</p></section>
<p class="foot">页面不会自动刷新，请稍后重新扫码查看。</p>`;
      return { status: 200, html: page(heading, body) };
    },
  };
}


const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f2f4f7;color:#1f2328;font:16px/1.6 "PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
header{background:#0b5cad;color:#fff;padding:16px 20px}
header .hall{font-size:14px;opacity:.9}
header h1{margin:2px 0 0;font-size:22px;font-weight:600}
main{max-width:560px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:10px;padding:16px;margin-bottom:12px;box-shadow:0 1px 2px rgba(0,0,0,.06);text-align:center}
.status .label{font-size:14px;color:#57606a}
.status .no{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:44px;font-weight:800;letter-spacing:.04em}
.status .line{font-size:18px;font-weight:600;color:#3d444d}
.status .value{font-size:24px;font-weight:700;margin:8px 0 4px}
.status p{margin:4px 0 0;color:#3d444d}
.status.ok .value{color:#1a7f37}.status.wait .value{color:#0b5cad}.status.stop .value{color:#b71c1c}
.foot{font-size:13px;color:#57606a;margin:8px 4px;text-align:center}
`;
