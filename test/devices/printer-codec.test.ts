// Byte-level tests of the printer codecs: GB18030, the QR command, raster lines,
// status bytes, and documents read back through the ESC/POS parser.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countBlack, createBitmap, getPixel } from '../../main/devices/printer/bitmap.ts';
import { plainText, toReceiptLine, wrapText } from '../../main/devices/printer/document.ts';
import { encodeDocument, previewSvg, qrBitmap } from '../../main/devices/printer/encode.ts';
import { parseEscPos, type PrinterEvent } from '../../sim/printer/escpos-parser.ts';
import { qrNative, rasterImage } from '../../main/devices/printer/escpos.ts';
import { createTextRasteriser, SYSTEM_CJK_FONTS } from '../../main/devices/printer/fonts.ts';
import { decodeGb18030, encodeGb18030, gb18030Length, isGb2312 } from '../../main/devices/gb18030.ts';
import { canPrintCodePoint, type PrinterProfile } from '../../main/devices/printer/profile.ts';
import { parseStatus, refusalReason, statusBytes, READY, STATUS_MESSAGES } from '../../main/devices/printer/status.ts';
import {
  acceptanceReceipt,
  oneTimeNotice,
  refusalNotice,
  testPage,
  TEST_PAGE_FOUR_BYTE_LINE,
  TEST_PAGE_TWO_BYTE_LINE,
  walkInTicket,
  type TestPageInput,
} from '../../main/devices/printer/templates.ts';
import { printerConfigFromSetup } from '../../main/device-setup/resolve.ts';
import { noticeDocument } from '../../renderer/clerk/case-logic.ts';
import { decodeQrBitmap } from '../helpers/printer-qr.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
const indexOf = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(Buffer.from(needle));

// The packaged Unifont only: the same dots on every machine (it has no CJK Ext. B, so 𠈌 is a code-point box).
const unifontOnly = createTextRasteriser({ systemFonts: false });

const P58: PrinterProfile = { width: 58, nativeQr: true, fourByteGb18030: false };
const P80: PrinterProfile = { width: 80, nativeQr: true, fourByteGb18030: false };

const receiptInput = {
  hallName: '南京市江北新区政务服务中心',
  caseNo: '20260302010010001',
  itemName: '不动产登记（二手房转移登记）',
  applicantMasked: '王*',
  acceptedAt: '2026-03-02T01:30:00Z',
  promisedDate: '2026-03-16',
  promisedWorkingDays: 10,
  windowName: '3号窗口',
  clerkName: '张三',
  clerkStaffNo: '1001',
  lookupUrl: 'https://hall.example.gov.cn/case/20260302010010001',
};

/** Printed lines without their spaces (column padding, centring): what a reader sees. */
function lines(events: PrinterEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'line' && e.line.text.trim() ? [e.line.text.replace(/ +/g, '')] : []));
}

describe('GB18030', () => {
  it('encodes known characters to their known bytes', () => {
    expect(hex(encodeGb18030('中'))).toBe('D6D0');
    expect(hex(encodeGb18030('￥'))).toBe('A3A4');
    expect(hex(encodeGb18030('受理回执'))).toBe('CADCC0EDBBD8D6B4');
    expect(hex(encodeGb18030('A1'))).toBe('4131');
    // Four-byte: CJK Ext. B (plane 2) and BMP characters outside GBK.
    expect(hex(encodeGb18030('𠈌'))).toBe('9532B730');
    expect(encodeGb18030('𠈌')).toHaveLength(4);
    expect(hex(encodeGb18030('€'))).toBe('A2E3');
    expect(hex(encodeGb18030('•'))).toBe('8136A631');
    expect(gb18030Length('𠈌'.codePointAt(0)!)).toBe(4);
    expect(gb18030Length('￥'.codePointAt(0)!)).toBe(2);
  });

  it('round-trips through TextDecoder("gb18030")', () => {
    const samples = ['中华人民共和国', '￥1,234.50', '申请人：𠈌*', '𪚥𠀀𡃁', '喆堃昇', '①②③ ·—“”《》', 'A012 号到 3 号窗口', '😀'];
    for (const sample of samples) expect(decodeGb18030(encodeGb18030(sample))).toBe(sample);
    // Every BMP character but the surrogates and the PUA points GB18030-2022 gave back.
    let mismatches = 0;
    for (let cp = 0x80; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCharCode(cp);
      if (decodeGb18030(encodeGb18030(s)) !== s) mismatches++;
    }
    expect(mismatches).toBeLessThanOrEqual(20);
  });

  it('knows which characters a GB2312-only font has', () => {
    expect(isGb2312('中'.codePointAt(0)!)).toBe(true);
    expect(isGb2312('喆'.codePointAt(0)!)).toBe(false);
    expect(canPrintCodePoint({ ...P58, twoByteFont: 'gb2312' }, '喆'.codePointAt(0)!)).toBe(false);
    expect(canPrintCodePoint(P58, '喆'.codePointAt(0)!)).toBe(true);
    expect(canPrintCodePoint(P58, '𠈌'.codePointAt(0)!)).toBe(false);
    expect(canPrintCodePoint({ ...P58, fourByteGb18030: true }, '𠈌'.codePointAt(0)!)).toBe(true);
  });
});

describe('native QR (GS ( k)', () => {
  it('sends model 2, module size, level M, store with pL pH = k + 3, print', () => {
    const bytes = qrNative(new TextEncoder().encode('https://h/case/1'), 6, 'M');
    expect(hex(bytes)).toBe(
      '1D286B0400314132001D286B03003143061D286B03003145311D286B1300315030' +
        hex(new TextEncoder().encode('https://h/case/1')) +
        '1D286B0300315130',
    );
  });

  it('splits a payload longer than 255 bytes over pL and pH', () => {
    const payload = new TextEncoder().encode(`https://hall.example.gov.cn/case/${'9'.repeat(300 - 33)}`);
    expect(payload).toHaveLength(300);
    const bytes = qrNative(payload, 6);
    const store = indexOf(bytes, Uint8Array.of(0x1d, 0x28, 0x6b, 0x2f, 0x01, 0x31, 0x50, 0x30)); // 303 = 0x012F
    expect(store).toBe(25);
    expect(Buffer.from(bytes.subarray(store + 8, store + 8 + 300)).equals(Buffer.from(payload))).toBe(true);
    expect(hex(bytes.subarray(store + 308))).toBe('1D286B0300315130');
  });

  it('refuses a payload no QR version can hold', () => {
    expect(() => qrNative(new Uint8Array(2332), 6, 'M')).toThrow(/二维码内容过长/);
  });
});

describe('raster images (GS v 0)', () => {
  it('sends width in bytes and height in rows, little-endian, in bands of at most 255 rows', () => {
    const bitmap = createBitmap(20, 300);
    const bytes = rasterImage(bitmap);
    expect(hex(bytes.subarray(0, 8))).toBe('1D7630000300FF00');
    expect(hex(bytes.subarray(8 + 3 * 255, 8 + 3 * 255 + 8))).toBe('1D76300003002D00');
    expect(bytes).toHaveLength(8 + 3 * 255 + 8 + 3 * 45);
  });

  it('draws a raster QR that reads back as its payload', () => {
    const url = 'https://hall.example.gov.cn/case/20260302010010001';
    expect(decodeQrBitmap(qrBitmap(url, 4))).toBe(url);
  });
});

describe('a line the profile cannot print', () => {
  const receipt = acceptanceReceipt({ ...receiptInput, applicantMasked: '𠈌*' });

  it('goes out as a raster image of the whole line, and nothing else does', () => {
    const job = encodeDocument(receipt, P58, { rasteriser: unifontOnly });
    expect(job.rasterLines).toEqual(['申请人：𠈌*']);
    expect(job.missingGlyphs).toEqual(['𠈌']); // no Ext. B in Unifont: drawn as a code-point box
    expect(indexOf(job.bytes, encodeGb18030('𠈌'))).toBe(-1);
    expect(indexOf(job.bytes, encodeGb18030('申请人'))).toBe(-1);
    const events = parseEscPos(job.bytes);
    const images = events.flatMap((e) => (e.type === 'image' ? [e.bitmap] : []));
    expect(images).toHaveLength(1);
    const line = images[0]!;
    expect(line.height).toBe(24);
    expect(line.width % 8).toBe(0);
    expect(line.width).toBeLessThanOrEqual(384);
    // 申请人： sits in the label column (10 columns), then one column of space, then 𠈌 at column 11 = dot 132.
    expect(countBlack(line, 0, 0, 96, 24)).toBeGreaterThan(100);
    expect(countBlack(line, 96, 0, 132, 24)).toBe(0);
    for (let x = 0; x < 24; x++) expect(getPixel(line, 132 + x, 0)).toBe(true); // the box's top edge
    expect(countBlack(line, 132, 0, 156, 24)).toBeGreaterThan(24 * 4);
    // The rest of the receipt is text, in Chinese mode throughout.
    expect(lines(events)).toContain('办件编号：20260302010010001');
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
  });

  it('is plain text on a printer with the 4-byte font', () => {
    const job = encodeDocument(receipt, { ...P58, fourByteGb18030: true }, { rasteriser: unifontOnly });
    expect(job.rasterLines).toEqual([]);
    expect(indexOf(job.bytes, encodeGb18030('申请人：'))).toBeGreaterThan(0);
    expect(indexOf(job.bytes, Uint8Array.of(0x95, 0x32, 0xb7, 0x30))).toBeGreaterThan(0);
    expect(lines(parseEscPos(job.bytes))).toContain('申请人：𠈌*');
  });

  it('covers two-byte characters missing from a GB2312-only font', () => {
    const doc = acceptanceReceipt({ ...receiptInput, applicantMasked: '王喆' });
    const job = encodeDocument(doc, { ...P80, twoByteFont: 'gb2312' }, { rasteriser: unifontOnly });
    expect(job.rasterLines).toEqual(['申请人：王喆']);
    expect(job.missingGlyphs).toEqual([]);
  });

  describe('on the test page (设备设置 打印测试页)', () => {
    const page = (font: TestPageInput['font'], statusQueries = true) =>
      testPage({
        hallName: '南京市江北新区政务服务中心',
        windowName: '3号窗口',
        printerDescription: '网络打印机 192.168.1.20:9100',
        width: 80,
        nativeQr: true,
        font,
        statusQueries,
        printedAt: '2026-03-02T01:30:00Z',
        qrPayload: 'https://hall.example.gov.cn',
      });
    /** The profile 设备设置 makes of this font, as the print service gets it. */
    const profileOf = (font: TestPageInput['font']) =>
      printerConfigFromSetup({ link: { kind: 'usb', path: '/dev/usb/lp0' }, width: 80, nativeQr: true, font, statusQueries: true }).profile;
    const GS_V_0 = Uint8Array.of(0x1d, 0x76, 0x30);

    it('lists the font and the status queries', () => {
      const text = lines(parseEscPos(encodeDocument(page('gb2312', false), profileOf('gb2312'), { rasteriser: unifontOnly }).bytes));
      expect(text).toContain('字库仅GB2312');
      expect(text).toContain('状态查询关');
      const full = lines(parseEscPos(encodeDocument(page('gb18030'), profileOf('gb18030'), { rasteriser: unifontOnly }).bytes));
      expect(full).toContain('字库GB18030全字库');
      expect(full).toContain('状态查询开');
      const usual = lines(parseEscPos(encodeDocument(page('gbk'), profileOf('gbk'), { rasteriser: unifontOnly }).bytes));
      expect(usual).toContain('字库GBK双字节');
    });

    it('sends the 喆 line as an image (GS v 0) with font gb2312, as text with gbk', () => {
      const gb2312 = encodeDocument(page('gb2312'), profileOf('gb2312'), { rasteriser: unifontOnly });
      expect(gb2312.rasterLines).toEqual([TEST_PAGE_TWO_BYTE_LINE, TEST_PAGE_FOUR_BYTE_LINE]);
      expect(indexOf(gb2312.bytes, encodeGb18030('喆'))).toBe(-1);
      expect(indexOf(gb2312.bytes, GS_V_0)).toBeGreaterThan(0);
      // Two images for the two lines (the QR is native here).
      expect(parseEscPos(gb2312.bytes).filter((e) => e.type === 'image')).toHaveLength(2);

      const gbk = encodeDocument(page('gbk'), profileOf('gbk'), { rasteriser: unifontOnly });
      expect(gbk.rasterLines).toEqual([TEST_PAGE_FOUR_BYTE_LINE]); // 𠈌 needs the 4-byte font
      expect(indexOf(gbk.bytes, encodeGb18030(TEST_PAGE_TWO_BYTE_LINE))).toBeGreaterThan(0);
      expect(lines(parseEscPos(gbk.bytes))).toContain(TEST_PAGE_TWO_BYTE_LINE.replace(/ +/g, ''));
      expect(parseEscPos(gbk.bytes).filter((e) => e.type === 'image')).toHaveLength(1);
    });

    it('sends both lines as text with font gb18030, 𠈌 in its four bytes', () => {
      const job = encodeDocument(page('gb18030'), profileOf('gb18030'), { rasteriser: unifontOnly });
      expect(job.rasterLines).toEqual([]);
      expect(indexOf(job.bytes, GS_V_0)).toBe(-1);
      expect(indexOf(job.bytes, Uint8Array.of(0x95, 0x32, 0xb7, 0x30))).toBeGreaterThan(0);
      const text = lines(parseEscPos(job.bytes));
      expect(text).toContain(TEST_PAGE_TWO_BYTE_LINE.replace(/ +/g, ''));
      expect(text).toContain(TEST_PAGE_FOUR_BYTE_LINE.replace(/ +/g, ''));
    });
  });

  it.skipIf(!SYSTEM_CJK_FONTS.some((path) => existsSync(path)))('draws 𠈌 itself when a system CJK font has it', () => {
    const system = createTextRasteriser();
    const job = encodeDocument(receipt, P58, { rasteriser: system });
    expect(job.rasterLines).toEqual(['申请人：𠈌*']);
    if (system.faceFor('𠈌'.codePointAt(0)!)) expect(job.missingGlyphs).toEqual([]);
  });

  it('shows in the preview as the same image', () => {
    const svg = previewSvg(receipt, P58, { rasteriser: unifontOnly });
    expect(svg).toMatch(/^<svg width="384px"/);
    expect(svg).toContain('<image href="data:image/png;base64,');
    expect(svg).not.toContain('𠈌');
    expect(svg).toContain('<tspan x="12">办</tspan><tspan x="36">件</tspan>');
  });
});

describe('templates through the encoder', () => {
  it('prints a walk-in ticket within 600 bytes, with its QR', () => {
    const doc = walkInTicket({
      hallName: '南京市江北新区政务服务中心',
      ticketNumber: 'A012',
      lineName: '不动产登记',
      peopleAhead: 5,
      issuedAt: '2026-03-02T01:15:00Z',
      qrPayload: 'https://hall.example.gov.cn/q/A012',
    });
    for (const profile of [P58, P80]) {
      const job = encodeDocument(doc, profile, { rasteriser: unifontOnly });
      expect(job.bytes.length).toBeLessThanOrEqual(600);
      expect(hex(job.bytes.subarray(0, 4))).toBe('1B401C26'); // ESC @, FS &
      expect(hex(job.bytes.subarray(-4))).toBe('1D564200'); // GS V 66 0
      const events = parseEscPos(job.bytes);
      expect(lines(events)).toEqual([
        '南京市江北新区政务服务中心',
        '排队号',
        'A012',
        '不动产登记',
        '您前面还有5人等候',
        '取号时间：2026-03-0209:15',
        '扫码查看排队进度',
        ...(profile.width === 58 ? ['请留意叫号屏和语音提示，过号请到', '窗口咨询'] : ['请留意叫号屏和语音提示，过号请到窗口咨询']),
      ]);
      // A paragraph that fills a line goes on with the next line: no blank line in between.
      const all = events.flatMap((e) => (e.type === 'line' ? [e.line.text.trim()] : []));
      const notice = all.findIndex((l) => l.startsWith('请留意叫号屏'));
      if (profile.width === 58) expect(all[notice + 1]).toBe('窗口咨询');
      const big = events.find((e) => e.type === 'line' && e.line.text.trim() === 'A012');
      expect(big?.type === 'line' && big.line.scale).toEqual({ width: 3, height: 3 });
      expect(events.filter((e) => e.type === 'qr').map((e) => e.type === 'qr' && e.payload)).toEqual(['https://hall.example.gov.cn/q/A012']);
      expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
    }
  });

  it('prints a 受理回执 within 1.5 KB with a native QR of the case lookup', () => {
    const doc = acceptanceReceipt(receiptInput);
    for (const profile of [P58, P80]) {
      const job = encodeDocument(doc, profile, { rasteriser: unifontOnly });
      expect(job.bytes.length).toBeLessThanOrEqual(1536);
      const events = parseEscPos(job.bytes);
      const text = lines(events);
      expect(text).toContain('受理回执');
      expect(text).toContain('办件编号：20260302010010001');
      expect(text).toContain('受理时间：2026-03-0209:30');
      expect(text).toContain('经办人：张三（工号1001）');
      expect(events.flatMap((e) => (e.type === 'qr' ? [e] : []))).toMatchObject([{ payload: receiptInput.lookupUrl, model: 2, level: 'M' }]);
    }
  });

  it('falls back to a raster QR that reads back as the lookup URL', () => {
    const job = encodeDocument(acceptanceReceipt(receiptInput), { ...P58, nativeQr: false }, { rasteriser: unifontOnly });
    const events = parseEscPos(job.bytes);
    expect(events.some((e) => e.type === 'qr')).toBe(false);
    expect(indexOf(job.bytes, Uint8Array.of(0x1d, 0x28, 0x6b))).toBe(-1);
    const images = events.flatMap((e) => (e.type === 'image' ? [e.bitmap] : []));
    expect(images.map(decodeQrBitmap)).toEqual([receiptInput.lookupUrl]);
  });

  it('lists every missing material in the 一次性告知书, with its requirement', () => {
    const doc = oneTimeNotice({
      hallName: '南京市江北新区政务服务中心',
      itemName: '个体工商户设立登记',
      missing: [
        { name: '经营场所使用证明', requirement: '房产证复印件或租赁合同，原件核验' },
        { name: '负责人身份证明', requirement: '居民身份证原件及复印件各 1 份' },
        { name: '委托书', requirement: '' },
      ],
      windowName: '5号窗口',
      clerkName: '李四',
      date: '2026-03-02',
    });
    const text = lines(parseEscPos(encodeDocument(doc, P80, { rasteriser: unifontOnly }).bytes));
    expect(text).toContain('一次性告知书');
    expect(text.filter((l) => /^\d\./.test(l))).toEqual(['1.经营场所使用证明', '2.负责人身份证明', '3.委托书']);
    expect(text).toContain('要求：房产证复印件或租赁合同，原件核验');
    expect(text).toContain('要求：居民身份证原件及复印件各1份');
    expect(text).toContain('要求：按事项办事指南提交');
    expect(text).toContain('告知日期：2026-03-02');
    expect(() => oneTimeNotice({ ...doc, hallName: 'x', itemName: 'x', missing: [], windowName: 'x', clerkName: 'x', date: '2026-03-02' })).toThrow();
  });

  it('prints each material of the 一次性告知书 with its 形式及份数 and 要求, as the screen shows them', () => {
    const item = {
      code: 'SCJG-DJ-011',
      name: '个体工商户设立登记',
      department: '市场监管局',
      lineId: 'C',
      kind: 'instant' as const,
      limitDays: 0,
      calendarDays: false,
      fee: '不收费',
      applicantTypes: ['person' as const],
      initials: '',
      materials: [
        { name: '个体工商户登记（备案）申请书', form: 'original' as const, count: 1, waivable: false, requirement: '经营者本人签字' },
        { name: '经营者身份证件', form: 'original_and_copy' as const, count: 1, waivable: false, requirement: '原件核验后当场退还' },
        { name: '经营场所使用证明', form: 'copy' as const, count: 2, waivable: true, requirement: '' },
      ],
    };
    const missing = item.materials.slice(1).map(({ name, requirement, waivable }) => ({ name, requirement, waivable }));
    // The screen: the preview's rows (renderer/clerk/case-logic.ts).
    const screen = noticeDocument({
      item,
      applicantName: '张晓明',
      missing,
      clerkName: '李四',
      staffNo: '1001',
      windowName: '5号窗口',
      hallName: '南京市江北新区政务服务中心',
      date: '2026-03-02',
    }).materials;
    expect(screen.map((row) => row.form)).toEqual(['原件及复印件 各 1 份', '复印件 2 份']);
    // The paper: the same rows, line by line.
    const doc = oneTimeNotice({
      hallName: '南京市江北新区政务服务中心',
      itemName: item.name,
      missing,
      materials: item.materials,
      windowName: '5号窗口',
      clerkName: '李四',
      date: '2026-03-02',
    });
    const text = lines(parseEscPos(encodeDocument(doc, P58, { rasteriser: unifontOnly }).bytes));
    const squash = (line: string) => line.replace(/ +/g, '');
    const rows = screen.map((row) => [
      squash(`${row.index}.${row.name}`),
      squash(`形式及份数：${row.form}`),
      squash(`要求：${row.requirement}`),
    ]);
    expect(rows).toEqual([
      ['1.经营者身份证件', '形式及份数：原件及复印件各1份', '要求：原件核验后当场退还'],
      ['2.经营场所使用证明', '形式及份数：复印件2份', '要求：按事项办事指南提交'],
    ]);
    // In order, each row whole (58 mm paper may wrap a line: what matters is what it says).
    const paper = text.join('');
    expect(paper).toContain(rows.flat().join(''));
  });

  it('gives the reason in the 不予受理 notice', () => {
    const doc = refusalNotice({
      hallName: '南京市江北新区政务服务中心',
      itemName: '不动产登记（二手房转移登记）',
      applicantMasked: '王*',
      reason: '申请事项不属于本机关职权范围，请向不动产所在地登记机构申请',
      windowName: '3号窗口',
      clerkName: '张三',
      date: new Date('2026-03-02T08:00:00Z'),
    });
    const text = lines(parseEscPos(encodeDocument(doc, P80, { rasteriser: unifontOnly }).bytes)).join('');
    expect(text).toContain('不予受理通知书');
    expect(text).toContain('申请事项不属于本机关职权范围，请向不动产所在地登记机构申请');
    expect(text).toContain('行政复议');
    expect(plainText(doc)).toContain('申请事项不属于本机关职权范围，请向不动产所在地登记机构申请');
  });

  it('prints the fee with the full-width ￥, and turns a half-width ¥ into it', () => {
    const job = encodeDocument(acceptanceReceipt({ ...receiptInput, feeYuan: 80, hotline: '12345（收费 ¥0.5/分钟）' }), P58, { rasteriser: unifontOnly });
    expect(job.rasterLines).toEqual([]); // ¥ (U+00A5) is a 4-byte code: printed as ￥ instead of drawn
    expect(indexOf(job.bytes, encodeGb18030('收费金额：'))).toBeGreaterThan(0);
    expect(indexOf(job.bytes, Uint8Array.of(0xa3, 0xa4, 0x38, 0x30, 0x2e, 0x30, 0x30))).toBeGreaterThan(0); // ￥80.00
    expect(indexOf(job.bytes, Uint8Array.of(0xa3, 0xa4, 0x30, 0x2e, 0x35))).toBeGreaterThan(0); // ￥0.5
    expect(indexOf(job.bytes, encodeGb18030('¥'))).toBe(-1);
    expect(lines(parseEscPos(job.bytes))).toContain('收费金额：￥80.00');
    expect(plainText(acceptanceReceipt({ ...receiptInput, feeYuan: 0 }))).toContain('收费金额：不收费');
  });

  it('escapes receiptline markup in data', () => {
    const doc = acceptanceReceipt({ ...receiptInput, itemName: 'A|B {c} ^d_ "e" `f` ~g \\h -- ==' });
    expect(toReceiptLine(doc, P80)).toContain('A\\|B \\{c\\} \\^d\\_ \\"e\\" \\`f\\` \\~g \\\\h \\-\\- \\=\\=');
    const text = lines(parseEscPos(encodeDocument(doc, P80, { rasteriser: unifontOnly }).bytes));
    expect(text).toContain('办理事项：A|B{c}^d_"e"`f`~g\\h--==');
  });
});

describe('line breaking', () => {
  it('counts hanzi as two columns and follows the Chinese rules (no ，at a line start, no （ at an end)', () => {
    expect(wrapText('要求：房产证复印件或租赁合同，原件核验', 26)).toEqual(['要求：房产证复印件或租赁合', '同，原件核验']);
    expect(wrapText('承诺时限为十个工作日（自受理之日起算）', 22)).toEqual(['承诺时限为十个工作日', '（自受理之日起算）']);
    expect(wrapText('请于（2026-03-09）前补交', 10)).toEqual(['请于', '（2026-03-', '09）前补交']);
    expect(wrapText('凭 A012 号到 3 号窗口', 8)).toEqual(['凭 A012', '号到 3', '号窗口']);
    expect(wrapText('https://hall.example.gov.cn/case/1', 16)).toEqual(['https://hall.exa', 'mple.gov.cn/case', '/1']);
    for (const line of wrapText('您申请办理的事项尚缺以下 2 项材料，现一次性告知如下，请补齐后再来办理：', 32)) {
      expect(line.length).toBeGreaterThan(0);
      expect('，。：；'.includes(line[0]!)).toBe(false);
    }
  });
});

describe('status bytes (DLE EOT)', () => {
  it('reads a ready printer, paper out, cover open, near end', () => {
    expect(parseStatus({ 1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12 })).toEqual(READY);
    const paperOut = parseStatus({ 1: 0x1a, 2: 0x32, 3: 0x12, 4: 0x7e });
    expect(paperOut).toMatchObject({ online: false, paperOut: true, paperNearEnd: true, coverOpen: false });
    expect(refusalReason(paperOut)).toBe('打印机缺纸：请装入热敏纸后点重试');
    const cover = parseStatus({ 1: 0x1a, 2: 0x16, 3: 0x12, 4: 0x12 });
    expect(refusalReason(cover)).toBe(STATUS_MESSAGES.coverOpen);
    const low = parseStatus({ 1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1e });
    expect(low).toMatchObject({ online: true, paperNearEnd: true, paperOut: false });
    expect(refusalReason(low)).toBeNull();
    expect(refusalReason(parseStatus({ 1: 0x1a, 2: 0x12, 3: 0x12, 4: 0x12 }))).toBe(STATUS_MESSAGES.offline);
    expect(refusalReason(parseStatus({ 1: 0x1a, 2: 0x52, 3: 0x1a, 4: 0x12 }))).toBe(STATUS_MESSAGES.cutterError);
  });

  it('round-trips through the bytes the simulator answers', () => {
    const states = [READY, { ...READY, paperOut: true, paperNearEnd: true, online: false }, { ...READY, coverOpen: true, online: false }];
    for (const state of states) expect(parseStatus(statusBytes(state))).toEqual(state);
  });
});
