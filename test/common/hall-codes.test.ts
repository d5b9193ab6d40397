// Issue 20, point 1: window codes as the hall names them, one- or two-letter
// lines, walk-ins from any window code, wider device numbers, the new case
// number — every schema that carries them, and the announcement that says them.
import { describe, expect, it } from 'vitest';
import { announcementClips, announcementText, windowClips } from '../../common/announce.ts';
import { CaseNo } from '../../common/cases.ts';
import { CASE_NO_RULE, isWalkInNumber, MAX_DEVICE_NO, ticketLine } from '../../common/hall-codes.ts';
import { Enrollment, WalkInLease } from '../../common/http-api.ts';
import { HallWindow, LineId, TicketNumber } from '../../common/model.ts';
import { walkInNumber, walkInPrefix, WalkInIssuedArgs } from '../../common/sync.ts';
import { TypedTicketNumber } from '../../common/ticket-ops.ts';

const message = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? null : result.error!.issues.map((issue) => issue.message).join('；');

describe('window codes', () => {
  const window = (code: string) => HallWindow.safeParse({ id: 401, code, name: `${code}号窗口`, lineIds: ['AX'] });

  it('are 1–4 digits or capital letters, as the hall writes them', () => {
    for (const code of ['3', '03', '99', '100', '101', '400', 'B12', 'B200', '2A01', 'ZZZZ', '0000']) {
      expect(window(code).success, code).toBe(true);
    }
  });

  it('anything else is refused with the rule in Chinese', () => {
    for (const code of ['', 'b12', 'B-12', 'B 12', '12345', 'ＢB1', '窗口1']) {
      expect(message(window(code)), code).toMatch(/窗口代码应为 1–4 位数字或大写字母（如 03、101、B12）/);
    }
  });
});

describe('service lines and ticket numbers', () => {
  it('a line is one or two capital letters: 702 lines', () => {
    expect(LineId.safeParse('A').success).toBe(true);
    expect(LineId.safeParse('AX').success).toBe(true);
    expect(LineId.safeParse('ZZ').success).toBe(true);
    for (const id of ['', 'a', 'ABC', 'A1', '甲']) {
      expect(message(LineId.safeParse(id)), id).toBe('业务类型代码应为一个或两个大写字母（如 A、AB）');
    }
  });

  it('ticket numbers: one or two letters and 3–4 digits, or a walk-in W<window code>-NNN', () => {
    for (const number of ['A012', 'A1234', 'AB012', 'AX9999', 'W012', 'W03-001', 'WB12-001', 'W101-020', 'W2A01-999']) {
      expect(TicketNumber.safeParse(number).success, number).toBe(true);
    }
    for (const number of ['A12', 'ABC012', 'A12345', 'W03-01', 'W-001', 'WB1234-001', 'a012', 'A012-001']) {
      expect(message(TicketNumber.safeParse(number)), number).toMatch(/票号格式应为一至两个字母加三至四位数字/);
    }
  });

  it('a typed number is upper-cased first; a wrong one says the rule and what to do', () => {
    expect(TypedTicketNumber.parse(' ab012 ')).toBe('AB012');
    expect(TypedTicketNumber.parse('wb12-001')).toBe('WB12-001');
    expect(message(TypedTicketNumber.safeParse('abc12'))).toMatch(/如 W03-001、WB12-001）；请核对后重新输入$/);
  });

  it('the line of a ticket: its letters; a walk-in has none, also for a line W and a window coded W1', () => {
    expect(ticketLine('A012')).toBe('A');
    expect(ticketLine('AX1234')).toBe('AX');
    expect(ticketLine('W012')).toBe('W');
    expect(ticketLine('WW1-001')).toBeNull();
    expect(ticketLine('WB12-001')).toBeNull();
    expect(isWalkInNumber('WW1-001')).toBe(true);
    expect(isWalkInNumber('W012')).toBe(false);
  });

  it('walk-ins from a window with a letter code, in the lease and the outbox record', () => {
    const prefix = walkInPrefix('B12');
    expect(prefix).toBe('WB12-');
    expect(walkInNumber(prefix, 7)).toBe('WB12-007');
    expect(WalkInLease.safeParse({ prefix, day: '2026-12-07', from: 1, to: 20, leasedAt: '2026-12-07T01:00:00Z' }).success).toBe(true);
    expect(WalkInLease.safeParse({ prefix: 'WB1234-', day: '2026-12-07', from: 1, to: 20, leasedAt: 'x' }).success).toBe(false);
    const args = { number: 'WB12-007', day: '2026-12-07', seq: 7, lineId: 'AX', windowId: 400, staffNo: '1001', issuedAt: 'x' };
    expect(WalkInIssuedArgs.safeParse(args).success).toBe(true);
    expect(message(WalkInIssuedArgs.safeParse({ ...args, number: 'WB12-07' }))).toMatch(/现场补号应为 W \+ 窗口代码/);
  });
});

describe('device numbers and case numbers in schemas', () => {
  it('an enrollment may carry a device number up to 999999', () => {
    const enrollment = { deviceId: 'd', deviceNo: 1200, token: 'x'.repeat(43), role: 'counter', windowId: 400 };
    expect(Enrollment.safeParse(enrollment).success).toBe(true);
    expect(Enrollment.safeParse({ ...enrollment, deviceNo: MAX_DEVICE_NO }).success).toBe(true);
    expect(Enrollment.safeParse({ ...enrollment, deviceNo: MAX_DEVICE_NO + 1 }).success).toBe(false);
  });

  it('a case number is new or old; anything else says both forms', () => {
    expect(CaseNo.safeParse('20261207-B12-1042-0012').success).toBe(true);
    expect(CaseNo.safeParse('20260305030010012').success).toBe(true);
    for (const text of ['2026030503001001', '20261207-B12-01042-0012', '20261207-b12-1042-0012', '']) {
      expect(message(CaseNo.safeParse(text)), text).toBe(CASE_NO_RULE);
    }
  });
});

describe('the announcement at a window with a letter code', () => {
  it('reads the letters and the digits as the hall says them', () => {
    expect(announcementText('A012', 'B12号窗口')).toBe('请A零一二号到B十二号窗口办理');
    expect(announcementText('AX012', 'B12号窗口')).toBe('请AX零一二号到B十二号窗口办理');
    expect(announcementText('A012', '101号窗口')).toBe('请A零一二号到一百零一号窗口办理');
    expect(announcementText('A012', '03号窗口')).toBe('请A零一二号到三号窗口办理');
    expect(announcementText('WB12-001', 'B12')).toBe('请WB一二零零一号到B十二号窗口办理');
    expect(windowClips('2A01号')).toEqual(['2', 'A', '0', '1']);
  });

  it('every clip of a letter-coded announcement is a recorded clip', async () => {
    const { ALL_CLIPS } = await import('../../common/announce.ts');
    for (const clip of announcementClips('ZZ9999', 'Z999号窗口')) expect(ALL_CLIPS).toContain(clip);
    expect(windowClips('1000')).toEqual(['1', '0', '0', '0']);
  });

  it('a window name without a code cannot be said, and says how to fix it', () => {
    expect(() => announcementClips('A012', '综合窗口')).toThrow(/请在窗口设置里填写窗口号（如 3、101、B12 或 B12号窗口）/);
    expect(() => announcementClips('A012', 'B12345号窗口')).toThrow(/无法播报/);
  });
});
