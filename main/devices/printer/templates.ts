// The slips a counter prints, as pure functions of their data. Personal data
// arrives already masked (common/mask.ts): nothing here sees a full ID number.
import { noticeMaterials } from '../../../common/materials.ts';
import type { Material } from '../../../common/model.ts';
import type { Block, PrintDocument } from './document.ts';

/** A moment (Date or ISO string) as hall time: 2026-03-02 09:30 (Asia/Shanghai). */
export function formatHallTime(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) throw new Error(`时间格式无效：${String(at)}`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The day of a moment in hall time: 2026-03-02. IsoDate strings pass through. */
export function formatHallDate(at: Date | string): string {
  if (typeof at === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
  return formatHallTime(at).slice(0, 10);
}

function header(hallName: string, title: string): Block[] {
  return [
    { type: 'text', text: hallName, align: 'center', bold: true },
    { type: 'text', text: title, align: 'center', size: 2 },
    { type: 'rule' },
  ];
}

function qrBlock(data: string, caption: string): Block[] {
  // A blank line above and below: the symbol's quiet zone.
  return [{ type: 'blank' }, { type: 'qr', data }, { type: 'blank' }, { type: 'text', text: caption, align: 'center' }];
}

/** A case slip's first rows: the case number, the item, the applicant (masked) and when (`label`, e.g. 受理时间：). */
function caseRows(
  input: { caseNo: string; itemName: string; applicantMasked: string },
  label: string,
  at: Date | string,
): { label: string; value: string }[] {
  return [
    { label: '办件编号：', value: input.caseNo },
    { label: '办理事项：', value: input.itemName },
    { label: '申请人：', value: input.applicantMasked },
    { label, value: formatHallTime(at) },
  ];
}

function clerkLabel(clerkName: string, staffNo?: string | null): string {
  return staffNo ? `${clerkName}（工号 ${staffNo}）` : clerkName;
}

// ——— 现场补号 walk-in ticket ———

export interface WalkInTicketInput {
  hallName: string;
  /** e.g. A012 */
  ticketNumber: string;
  /** The service line, e.g. 不动产登记 */
  lineName: string;
  /** The hall server's count at print time; null offline (the walk-in joins the queue when the link returns). */
  peopleAhead: number | null;
  issuedAt: Date | string;
  /** e.g. a link to follow the queue on a phone; no QR when absent. */
  qrPayload?: string | null;
  /** e.g. 过号需重新取号 — the hall's own rule. */
  notice?: string | null;
}

export function walkInTicket(input: WalkInTicketInput): PrintDocument {
  const blocks: Block[] = [
    { type: 'text', text: input.hallName, align: 'center', bold: true },
    { type: 'text', text: '排队号', align: 'center' },
    { type: 'text', text: input.ticketNumber, align: 'center', size: 3, bold: true },
    { type: 'text', text: input.lineName, align: 'center', bold: true },
    {
      type: 'text',
      text:
        input.peopleAhead === null
          ? '按取号时间排队，请留意叫号'
          : input.peopleAhead > 0
            ? `您前面还有 ${input.peopleAhead} 人等候`
            : '您前面没有人等候，请留意叫号',
      align: 'center',
    },
    { type: 'text', text: `取号时间：${formatHallTime(input.issuedAt)}`, align: 'center' },
  ];
  if (input.qrPayload) blocks.push(...qrBlock(input.qrPayload, '扫码查看排队进度'));
  blocks.push({ type: 'text', text: input.notice ?? '请留意叫号屏和语音提示，过号请到窗口咨询', align: 'center' });
  return { kind: 'ticket', title: `排队号 ${input.ticketNumber}`, blocks };
}

// ——— 受理回执 acceptance receipt ———

export interface AcceptanceReceiptInput {
  hallName: string;
  caseNo: string;
  itemName: string;
  /** Already masked, e.g. 王* or 南京某某科技有限公司 */
  applicantMasked: string;
  acceptedAt: Date | string;
  /** YYYY-MM-DD for a 承诺件; null for a 即办件 (finished on the spot). */
  promisedDate: string | null;
  /** The legal limit, e.g. 10 (working days), shown beside the promised date. */
  promisedWorkingDays?: number | null;
  /** 绿色通道 cases count calendar days. */
  calendarDays?: boolean;
  windowName: string;
  clerkName: string;
  clerkStaffNo?: string | null;
  /** The case lookup, e.g. https://<hall>/case/<caseNo>: the QR holds exactly this. */
  lookupUrl: string;
  /** The item's fee in yuan: 0 prints 不收费; absent prints nothing. */
  feeYuan?: number | null;
  /** 容缺受理: materials owed, and the day they are owed by. */
  owed?: { materials: readonly string[]; dueDate: string } | null;
  hotline?: string | null;
}

export function acceptanceReceipt(input: AcceptanceReceiptInput): PrintDocument {
  let promised = '即办件，当场办结';
  if (input.promisedDate) {
    const days = input.promisedWorkingDays ? `（${input.promisedWorkingDays} 个${input.calendarDays ? '自然日' : '工作日'}）` : '';
    promised = `${input.promisedDate} 前${days}`;
  }
  const blocks: Block[] = [
    ...header(input.hallName, '受理回执'),
    {
      type: 'fields',
      rows: [
        ...caseRows(input, '受理时间：', input.acceptedAt),
        { label: input.promisedDate ? '承诺办结：' : '办理时限：', value: promised },
        ...(input.feeYuan === undefined || input.feeYuan === null
          ? []
          : [{ label: '收费金额：', value: input.feeYuan === 0 ? '不收费' : `￥${input.feeYuan.toFixed(2)}` }]),
        { label: '受理窗口：', value: input.windowName },
        { label: '经办人：', value: clerkLabel(input.clerkName, input.clerkStaffNo) },
      ],
    },
  ];
  if (input.owed && input.owed.materials.length > 0) {
    blocks.push(
      { type: 'text', text: `容缺材料（请于 ${input.owed.dueDate} 前补交）：`, bold: true },
      { type: 'list', items: input.owed.materials.map((name, i) => ({ marker: `${i + 1}.`, lines: [name] })) },
    );
  }
  blocks.push({ type: 'rule' }, ...qrBlock(input.lookupUrl, '扫码查询办理进度'));
  blocks.push({ type: 'text', text: '请妥善保管本回执，凭回执查询和领取办理结果。' });
  if (input.hotline) blocks.push({ type: 'text', text: `咨询监督电话：${input.hotline}` });
  return { kind: 'receipt', title: `受理回执 ${input.caseNo}`, blocks };
}

// ——— 补交回执 receipt for owed material handed in (容缺受理) ———

export interface SupplementReceiptInput {
  hallName: string;
  caseNo: string;
  itemName: string;
  /** Already masked, e.g. 王*（3201**********123X） */
  applicantMasked: string;
  suppliedAt: Date | string;
  /** What was handed in now, each with its 形式及份数 ('' when unknown). */
  received: readonly { name: string; form: string }[];
  /** What is still owed after this 补交, and by when; empty when everything is in. */
  stillOwed: readonly string[];
  owedBy: string | null;
  /** YYYY-MM-DD for a 承诺件; null for a 即办件. */
  promisedDate: string | null;
  windowName: string;
  clerkName: string;
  clerkStaffNo?: string | null;
  /** The case lookup (as on the 受理回执). */
  lookupUrl: string;
  hotline?: string | null;
}

export function supplementReceipt(input: SupplementReceiptInput): PrintDocument {
  if (input.received.length === 0) throw new Error('补交回执至少要列出一项补交的材料');
  const blocks: Block[] = [
    ...header(input.hallName, '补交回执'),
    { type: 'fields', rows: caseRows(input, '补交时间：', input.suppliedAt) },
    { type: 'text', text: `已收到您补交的以下 ${input.received.length} 项容缺材料：`, bold: true },
    {
      type: 'list',
      items: input.received.map((m, i) => ({ marker: `${i + 1}.`, lines: m.form ? [m.name, `形式及份数：${m.form}`] : [m.name] })),
    },
  ];
  if (input.stillOwed.length > 0) {
    blocks.push(
      {
        type: 'text',
        text: `尚待补交 ${input.stillOwed.length} 项${input.owedBy ? `（请于 ${input.owedBy} 前补交）` : ''}：`,
        bold: true,
      },
      { type: 'list', items: input.stillOwed.map((name, i) => ({ marker: `${i + 1}.`, lines: [name] })) },
    );
  } else {
    blocks.push({ type: 'text', text: '容缺材料已全部补齐。', bold: true });
  }
  blocks.push({
    type: 'fields',
    rows: [
      { label: input.promisedDate ? '承诺办结：' : '办理时限：', value: input.promisedDate ? `${input.promisedDate} 前` : '即办件，材料补齐后办结' },
      { label: '经办窗口：', value: input.windowName },
      { label: '经办人：', value: clerkLabel(input.clerkName, input.clerkStaffNo) },
    ],
  });
  blocks.push({ type: 'rule' }, ...qrBlock(input.lookupUrl, '扫码查询办理进度'));
  blocks.push({ type: 'text', text: '请将本回执与受理回执一并保管。' });
  if (input.hotline) blocks.push({ type: 'text', text: `咨询监督电话：${input.hotline}` });
  return { kind: 'receipt', title: `补交回执 ${input.caseNo}`, blocks };
}

// ——— 一次性告知书 one-time notice ———

export interface OneTimeNoticeInput {
  hallName: string;
  itemName: string;
  applicantMasked?: string | null;
  /** Every missing material, in the item's order, with what is required of it. */
  missing: readonly { name: string; requirement: string; waivable?: boolean }[];
  /** The item's materials, for each row's 形式及份数; absent or null when the item is not in the catalogue. */
  materials?: readonly Material[] | null;
  windowName: string;
  clerkName: string;
  clerkStaffNo?: string | null;
  date: Date | string;
  caseNo?: string | null;
  hotline?: string | null;
}

export function oneTimeNotice(input: OneTimeNoticeInput): PrintDocument {
  if (input.missing.length === 0) throw new Error('一次性告知书至少要列出一项所缺材料');
  const rows = [{ label: '办理事项：', value: input.itemName }];
  if (input.applicantMasked) rows.push({ label: '申请人：', value: input.applicantMasked });
  if (input.caseNo) rows.push({ label: '告知编号：', value: input.caseNo });
  const blocks: Block[] = [
    ...header(input.hallName, '一次性告知书'),
    { type: 'fields', rows },
    {
      type: 'text',
      text: `您申请办理的事项尚缺以下 ${input.missing.length} 项材料，现一次性告知如下，请补齐后再来办理：`,
    },
    {
      type: 'list',
      // The rows the screen's preview shows (common/materials.ts): name, 形式及份数, 要求.
      items: noticeMaterials(input.materials ?? null, input.missing).map((row) => ({
        marker: `${row.index}.`,
        lines: [row.name, `形式及份数：${row.form}`, `要求：${row.requirement}`],
      })),
    },
    { type: 'rule' },
    {
      type: 'fields',
      rows: [
        { label: '告知窗口：', value: input.windowName },
        { label: '经办人：', value: clerkLabel(input.clerkName, input.clerkStaffNo) },
        { label: '告知日期：', value: formatHallDate(input.date) },
      ],
    },
    { type: 'text', text: '以上为所需补正的全部材料，补齐后可到任一受理窗口办理。' },
  ];
  if (input.hotline) blocks.push({ type: 'text', text: `咨询监督电话：${input.hotline}` });
  return { kind: 'notice', title: `一次性告知书 ${input.itemName}`, blocks };
}

// ——— 不予受理通知书 refusal notice ———

export interface RefusalNoticeInput {
  hallName: string;
  itemName: string;
  applicantMasked: string;
  caseNo?: string | null;
  /** The legal reason, as chosen from the catalogue's 不予受理 reasons. */
  reason: string;
  windowName: string;
  clerkName: string;
  clerkStaffNo?: string | null;
  date: Date | string;
  /** How to challenge the decision; defaults to 行政复议 / 行政诉讼 in their usual terms. */
  remedy?: string | null;
  hotline?: string | null;
}

export const DEFAULT_REMEDY = '如对本决定不服，可自收到本通知之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。';

export function refusalNotice(input: RefusalNoticeInput): PrintDocument {
  const rows = [
    { label: '办理事项：', value: input.itemName },
    { label: '申请人：', value: input.applicantMasked },
  ];
  if (input.caseNo) rows.push({ label: '办件编号：', value: input.caseNo });
  const blocks: Block[] = [
    ...header(input.hallName, '不予受理通知书'),
    { type: 'fields', rows },
    { type: 'text', text: '经审查，您的申请不予受理，理由如下：' },
    { type: 'text', text: input.reason, bold: true },
    { type: 'text', text: input.remedy ?? DEFAULT_REMEDY },
    { type: 'rule' },
    {
      type: 'fields',
      rows: [
        { label: '窗口：', value: input.windowName },
        { label: '经办人：', value: clerkLabel(input.clerkName, input.clerkStaffNo) },
        { label: '日期：', value: formatHallDate(input.date) },
      ],
    },
  ];
  if (input.hotline) blocks.push({ type: 'text', text: `咨询监督电话：${input.hotline}` });
  return { kind: 'refusal', title: `不予受理通知书 ${input.itemName}`, blocks };
}

// ——— 打印测试页 test page (设备设置) ———

export interface TestPageInput {
  hallName: string;
  windowName: string;
  /** e.g. 网络打印机 192.168.1.20:9100 */
  printerDescription: string;
  width: 58 | 80;
  nativeQr: boolean;
  /** What the printer's font holds (设备设置 字库). */
  font: 'gb18030' | 'gbk' | 'gb2312';
  /** The printer is asked its status (DLE EOT) around each job. */
  statusQueries: boolean;
  printedAt: Date | string;
  /** The QR the page carries (the hall server's address, or anything short). */
  qrPayload: string;
}

const TEST_PAGE_FONT_TEXT: Readonly<Record<TestPageInput['font'], string>> = {
  gb18030: 'GB18030 全字库',
  gbk: 'GBK 双字节',
  gb2312: '仅 GB2312',
};

/** The test page's line of two-byte characters missing from GB2312 (an image on a GB2312-only printer). */
export const TEST_PAGE_TWO_BYTE_LINE = '生僻字（GBK）：喆 堃';
/** The test page's line of a 4-byte GB18030 character (text only with the full GB18030 font). */
export const TEST_PAGE_FOUR_BYTE_LINE = '生僻字（四字节）：𠈌';

/** What a manager prints to check a printer: the settings, Chinese text, a ruler, a QR code, the cut. */
export function testPage(input: TestPageInput): PrintDocument {
  const blocks: Block[] = [
    ...header(input.hallName, '打印测试页'),
    {
      type: 'fields',
      rows: [
        { label: '窗口', value: input.windowName },
        { label: '打印机', value: input.printerDescription },
        { label: '纸宽', value: `${input.width} 毫米` },
        { label: '二维码', value: input.nativeQr ? '打印机自带' : '按图片打印' },
        { label: '字库', value: TEST_PAGE_FONT_TEXT[input.font] },
        { label: '状态查询', value: input.statusQueries ? '开' : '关' },
        { label: '时间', value: formatHallTime(input.printedAt) },
      ],
    },
    { type: 'rule' },
    { type: 'text', text: '中文：政务服务中心 受理回执 一次性告知' },
    { type: 'text', text: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789' },
    // Each prints as text when the font has it, else the line goes out as an image (see profile.ts).
    { type: 'text', text: TEST_PAGE_TWO_BYTE_LINE },
    { type: 'text', text: TEST_PAGE_FOUR_BYTE_LINE },
    { type: 'text', text: '放大字样', align: 'center', size: 2, bold: true },
    ...qrBlock(input.qrPayload, '扫码测试'),
    { type: 'text', text: '以上内容完整清晰、纸张自动切断即为正常', align: 'center' },
  ];
  return { kind: 'ticket', title: '打印测试页', blocks };
}
