// Bytes a slip costs on the wire, and how long that takes on a serial line.
//
//   node bench/printer-bytes.ts
//
// Targets (issue 5): walk-in ticket ≤ 600 B, 受理回执 ≤ 1.5 KB with the native QR.
// Serial time is 8N1, 10 bits per byte; printing itself (≈ 50–150 mm/s) comes
// on top. Printed, never asserted.
import { encodeDocument } from '../main/devices/printer/encode.ts';
import { createTextRasteriser } from '../main/devices/printer/fonts.ts';
import { displayWidth, type PrinterProfile } from '../main/devices/printer/profile.ts';
import { wireTimeMs } from '../main/devices/printer/serial-transport.ts';
import { acceptanceReceipt, oneTimeNotice, refusalNotice, walkInTicket } from '../main/devices/printer/templates.ts';
import type { PrintDocument } from '../main/devices/printer/document.ts';

const rasteriser = createTextRasteriser();
const hall = '南京市江北新区政务服务中心';
const receiptInput = {
  hallName: hall,
  caseNo: '20260302010010001',
  itemName: '不动产登记（二手房转移登记）',
  applicantMasked: '王*',
  acceptedAt: '2026-03-02T01:30:00Z',
  promisedDate: '2026-03-16',
  promisedWorkingDays: 10,
  windowName: '3号窗口',
  clerkName: '张三',
  clerkStaffNo: '1001',
  lookupUrl: 'https://zwfw.example.gov.cn/case/20260302010010001',
  hotline: '12345',
};

const slips: { name: string; doc: PrintDocument; target?: number }[] = [
  {
    name: '现场补号',
    target: 600,
    doc: walkInTicket({
      hallName: hall,
      ticketNumber: 'A012',
      lineName: '不动产登记',
      peopleAhead: 5,
      issuedAt: '2026-03-02T01:15:00Z',
      qrPayload: 'https://zwfw.example.gov.cn/q/A012',
    }),
  },
  { name: '受理回执', target: 1536, doc: acceptanceReceipt(receiptInput) },
  { name: '受理回执（申请人 𠈌*，图片行）', doc: acceptanceReceipt({ ...receiptInput, applicantMasked: '𠈌*' }) },
  {
    name: '一次性告知书（3 项）',
    doc: oneTimeNotice({
      hallName: hall,
      itemName: '个体工商户设立登记',
      missing: [
        { name: '经营场所使用证明', requirement: '房产证复印件或租赁合同，原件核验' },
        { name: '负责人身份证明', requirement: '居民身份证原件及复印件各 1 份' },
        { name: '委托书', requirement: '委托他人办理的提交，须本人签字' },
      ],
      windowName: '5号窗口',
      clerkName: '李四',
      date: '2026-03-02',
    }),
  },
  {
    name: '不予受理通知书',
    doc: refusalNotice({
      hallName: hall,
      itemName: '不动产登记（二手房转移登记）',
      applicantMasked: '王*',
      reason: '申请事项不属于本机关职权范围，请向不动产所在地登记机构申请',
      windowName: '3号窗口',
      clerkName: '张三',
      date: '2026-03-02',
    }),
  },
];

const profiles: { name: string; profile: PrinterProfile }[] = [
  { name: '58mm 原生二维码', profile: { width: 58, nativeQr: true, fourByteGb18030: false } },
  { name: '80mm 原生二维码', profile: { width: 80, nativeQr: true, fourByteGb18030: false } },
  { name: '58mm 图片二维码', profile: { width: 58, nativeQr: false, fourByteGb18030: false } },
  { name: '80mm 图片二维码', profile: { width: 80, nativeQr: false, fourByteGb18030: false } },
];

/** padEnd / padStart by display width (a hanzi takes two columns). */
const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
console.log(padEnd('单据', 32) + padEnd('打印机', 18) + padStart('字节', 6) + padStart('9600 波特', 12) + padStart('115200 波特', 13) + '  目标');
for (const { name, doc, target } of slips) {
  for (const { name: printer, profile } of profiles) {
    const bytes = encodeDocument(doc, profile, { rasteriser }).bytes.length;
    const verdict = target && profile.nativeQr ? (bytes <= target ? `≤ ${target} ✓` : `> ${target} ✗`) : '';
    console.log(
      padEnd(name, 32) +
        padEnd(printer, 18) +
        padStart(String(bytes), 6) +
        padStart(ms(wireTimeMs(bytes, 9600)), 12) +
        padStart(ms(wireTimeMs(bytes, 115200)), 13) +
        `  ${verdict}`,
    );
  }
}
