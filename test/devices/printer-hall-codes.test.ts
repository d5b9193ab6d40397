// Issue 20, point 1, on paper: the longest codes of a big hall print whole —
// a walk-in number of a letter-coded window on the slip, a new case number on
// the 受理回执 (on a 58 mm roll it breaks after a hyphen, never inside a group;
// on 80 mm it fits one line), an old 17-digit one as before — read back from
// the printer's bytes by the ESC/POS parser.
import { describe, expect, it } from 'vitest';
import { wrapText } from '../../main/devices/printer/document.ts';
import { encodeDocument } from '../../main/devices/printer/encode.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import type { PrinterProfile } from '../../main/devices/printer/profile.ts';
import { acceptanceReceipt, walkInTicket } from '../../main/devices/printer/templates.ts';
import { parseEscPos } from '../../sim/printer/escpos-parser.ts';

const unifontOnly = createTextRasteriser({ systemFonts: false });
const P58: PrinterProfile = { width: 58, nativeQr: true, fourByteGb18030: false };
const P80: PrinterProfile = { width: 80, nativeQr: true, fourByteGb18030: false };

function printedLines(doc: Parameters<typeof encodeDocument>[0], profile: PrinterProfile): string[] {
  return parseEscPos(encodeDocument(doc, profile, { rasteriser: unifontOnly }).bytes).flatMap((e) =>
    e.type === 'line' && e.line.text.trim() ? [e.line.text.trim()] : [],
  );
}

const receipt = (caseNo: string) =>
  acceptanceReceipt({
    hallName: 'XX市政务服务中心',
    caseNo,
    itemName: '商务外贸档案查询证明',
    applicantMasked: '王*',
    acceptedAt: '2026-12-07T01:30:00Z',
    promisedDate: null,
    windowName: 'B200号窗口',
    clerkName: '张三',
    clerkStaffNo: '1001',
    lookupUrl: `https://hall.example.gov.cn/case/${caseNo}`,
  });

/** The case number as printed after 办件编号：, and the lines it took. */
function printedCaseNo(lines: string[]): { text: string; parts: string[] } {
  const start = lines.findIndex((line) => line.startsWith('办件编号：'));
  const parts = [lines[start]!.slice('办件编号：'.length).trim()];
  for (let i = start + 1; !lines[i]!.includes('：'); i++) parts.push(lines[i]!);
  return { text: parts.join(''), parts };
}

describe('big-hall codes on paper', () => {
  it('a new case number on the receipt: whole on 80 mm, broken only after a hyphen on 58 mm', () => {
    for (const caseNo of ['20261207-B200-1201-0001', '20261207-2A01-999999-9999', '20261207-B12-1042-0012']) {
      const wide = printedCaseNo(printedLines(receipt(caseNo), P80));
      expect(wide).toEqual({ text: caseNo, parts: [caseNo] });
      const narrow = printedCaseNo(printedLines(receipt(caseNo), P58));
      expect(narrow.text).toBe(caseNo);
      expect(narrow.parts.length).toBe(2);
      expect(narrow.parts[0]).toMatch(/-$/);
      // Every group of the number is whole on one line.
      for (const group of caseNo.split('-')) expect(narrow.parts.some((part) => part.split('-').includes(group)), group).toBe(true);
    }
    // An old number prints on one line, as it always did.
    expect(printedCaseNo(printedLines(receipt('20260305030010012'), P58)).parts).toEqual(['20260305030010012']);
  });

  it('a walk-in number of a letter-coded window prints whole, large, on both rolls', () => {
    for (const number of ['WB200-001', 'W2A01-999', 'WB12-007']) {
      const slip = walkInTicket({ hallName: 'XX市政务服务中心', ticketNumber: number, lineName: '商务外贸', peopleAhead: 1, issuedAt: '2026-12-07T01:30:00Z' });
      for (const profile of [P58, P80]) expect(printedLines(slip, profile)).toContain(number);
    }
  });

  it('wrapping keeps words without a hyphen as before', () => {
    expect(wrapText('ABCDEFGHIJ', 4)).toEqual(['ABCD', 'EFGH', 'IJ']);
    expect(wrapText('20261207-B12-1042-0012', 21)).toEqual(['20261207-B12-1042-', '0012']);
    expect(wrapText('20261207-B12-1042-0012', 10)).toEqual(['20261207-', 'B12-1042-', '0012']);
  });
});
