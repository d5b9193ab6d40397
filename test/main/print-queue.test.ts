// The counter's print queue (main/printing/) against the printer simulator
// over real TCP on 127.0.0.1, with the queue in a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../common/cases.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import type { PrinterProfile } from '../../main/devices/printer/profile.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { STATUS_MESSAGES } from '../../main/devices/printer/status.ts';
import { openTcpTransport, type PrinterTransport } from '../../main/devices/printer/transport.ts';
import { parsePrinterLink, printerConfigFromEnv } from '../../main/printing/config.ts';
import { caseLookupUrl, caseSlip, INTERRUPTED_MESSAGE, PrintService, type CaseSlipContext } from '../../main/printing/print-service.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';

const rasteriser = createTextRasteriser({ systemFonts: false });
const P80: PrinterProfile = { width: 80, nativeQr: true, fourByteGb18030: false };
const SERVER = 'http://127.0.0.1:8123';

const accepted: CaseRecord = {
  caseNo: '20260302030010001',
  itemCode: 'X-1',
  itemName: '不动产登记（二手房转移登记）',
  kind: 'promised',
  windowId: 3,
  staffNo: '1001',
  ticketNumber: 'A012',
  applicantMasked: { type: 'person', name: '王*', idMasked: '3201**********123X' },
  decision: 'accept',
  status: 'accepted',
  outcome: null,
  decidedAt: '2026-03-02T01:30:00Z',
  promisedDate: '2026-03-16',
  finishedAt: null,
  missing: [],
  owedBy: null,
  refuseReason: null,
  daysLeft: 10,
  deadline: 'ok',
};
const notice: CaseRecord = {
  ...accepted,
  caseNo: '20260302030010002',
  decision: 'notice',
  status: 'notice',
  promisedDate: null,
  missing: [
    { name: '不动产权属证书', requirement: '原件', waivable: false },
    { name: '完税证明', requirement: '复印件一份，加盖税务机关印章', waivable: true },
  ],
};
const context: CaseSlipContext = {
  hallName: '南京市江北新区政务服务中心',
  windowName: '3号窗口',
  clerkName: '张三',
  clerkStaffNo: '1001',
  serverUrl: SERVER,
  item: null,
};

const text = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, '')).filter(Boolean);

let dir: string;
let simulator: PrinterSimulator;
let db: Db;
let service: PrintService | null = null;
/** A link that breaks while the job is being sent (the cable pulled mid-job). */
let breakWhileSending = false;
/** While set, a job's bytes wait for it before they are sent (a slow printer). */
let holdWrites: Promise<void> | null = null;
/** Links to the printer open now (a serial port can be held by one at a time). */
let openLinks = 0;

async function startService(): Promise<PrintService> {
  const { port } = await simulator.listenTcp(0);
  const open = async (): Promise<PrinterTransport> => {
    const opened = await openTcpTransport({ host: '127.0.0.1', port });
    openLinks += 1;
    const link: PrinterTransport = {
      ...opened,
      write: async (bytes) => {
        if (bytes.length > 16) await holdWrites;
        return opened.write(bytes);
      },
      close: () => {
        openLinks -= 1;
        return opened.close();
      },
    };
    if (!breakWhileSending) return link;
    return {
      ...link,
      write: async (bytes) => {
        if (bytes.length > 16) {
          await link.write(bytes.subarray(0, 8));
          throw new Error('连接在发送中途断开');
        }
        return link.write(bytes);
      },
    };
  };
  service = new PrintService({
    db,
    config: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: P80 },
    statusPollMs: 0,
    rasteriser,
    open,
  });
  return service;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-printq-'));
  simulator = new PrinterSimulator({ recordDir: join(dir, 'jobs') });
  db = openDatabase(join(dir, 'counter.db'));
  breakWhileSending = false;
  holdWrites = null;
  openLinks = 0;
});
afterEach(async () => {
  await service?.close();
  service = null;
  await simulator.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('print queue', () => {
  it('prints the 受理回执 of an accepted case: its text has the case number, its QR the lookup URL', async () => {
    const queue = await startService();
    const id = queue.enqueueForCase(accepted, context);
    expect(id).not.toBeNull();
    await queue.whenIdle();
    const [job] = await simulator.waitForJobs(1);
    expect(text(job!)).toEqual(
      expect.arrayContaining(['受理回执', `办件编号：${accepted.caseNo}`, '申请人：王*（3201**********123X）', '受理窗口：3号窗口']),
    );
    expect(job!.qr.map((qr) => qr.payload)).toEqual([`${SERVER}/case/${accepted.caseNo}`]);
    expect(queue.view().jobs).toMatchObject([{ id, kind: 'receipt', state: 'printed', attempts: 1, caseNo: accepted.caseNo }]);
    expect(queue.state()).toMatchObject({ level: 'ok', message: null, waiting: 0 });
    // The same submission again (a double click) does not print a second original.
    expect(queue.enqueueForCase(accepted, context)).toBeNull();
    // Nothing in the queue holds a full ID number.
    const stored = db.prepare('SELECT document FROM print_job').all() as { document: string }[];
    expect(stored.map((row) => row.document).join('')).not.toMatch(/\d{17}[\dX]/);
  });

  it('the 一次性告知书 lists every missing material with its requirement', async () => {
    const queue = await startService();
    queue.enqueueForCase(notice, context);
    await queue.whenIdle();
    const [job] = await simulator.waitForJobs(1);
    const lines = text(job!).join('\n');
    expect(lines).toContain('一次性告知书');
    expect(lines).toContain('不动产权属证书');
    expect(lines).toContain('要求：原件');
    expect(lines).toContain('完税证明');
  });

  it('paper out before a job: it stays unprinted and visible with the reason; after paper is back, retry prints it exactly once', async () => {
    const queue = await startService();
    simulator.setState({ paperOut: true });
    const id = queue.enqueueForCase(accepted, context)!;
    const second = queue.enqueueForCase(notice, context)!;
    await queue.whenIdle();
    expect(simulator.jobs).toHaveLength(0);
    const view = queue.view();
    expect(view.jobs.find((j) => j.id === id)).toMatchObject({ state: 'refused', lastError: STATUS_MESSAGES.paperOut, maybePrinted: false });
    expect(view.jobs.find((j) => j.id === second)?.state).toMatch(/^(queued|refused)$/);
    expect(view.printer).toMatchObject({ level: 'error', waiting: 2 });
    expect(view.printer!.message).toContain('打印机缺纸');

    // Survives a restart: the jobs are in the counter's database.
    await queue.close();
    await simulator.close();
    simulator = new PrinterSimulator({ recordDir: join(dir, 'jobs2') });
    const again = await startService();
    expect(again.view().jobs.map((j) => j.id).sort()).toEqual([id, second].sort());

    simulator.setState({ paperOut: false });
    const after = await again.retry(id);
    expect(after.jobs.find((j) => j.id === id)).toMatchObject({ state: 'printed', lastError: null });
    await again.retry(second).catch(() => undefined); // printed in the same run or now
    await again.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const titles = simulator.jobs.map((j) => text(j).find((line) => line.startsWith('办件编号') || line.startsWith('告知编号')));
    expect(titles).toEqual([`办件编号：${accepted.caseNo}`, `告知编号：${notice.caseNo}`]);
    expect(simulator.jobs.every((j) => !j.held)).toBe(true);
    expect(again.state()).toMatchObject({ level: 'ok', waiting: 0 });
    await expect(again.retry(id)).rejects.toThrow(/已打印/);
  });

  it('reprint makes a new copy of a printed job', async () => {
    const queue = await startService();
    const id = queue.enqueueForCase(accepted, context)!;
    await queue.whenIdle();
    const view = await queue.reprint(id);
    expect(view.jobs).toMatchObject([
      { kind: 'receipt', state: 'printed', reprintOf: id },
      { id, state: 'printed', reprintOf: null },
    ]);
    const jobs = await simulator.waitForJobs(2);
    expect(text(jobs[1]!)).toEqual(text(jobs[0]!));
  });

  it('a link that breaks mid-job is marked maybe-printed: no retry behind the clerk, 重新打印 when asked', async () => {
    const queue = await startService();
    breakWhileSending = true;
    const id = queue.enqueueForCase(accepted, context)!;
    await queue.whenIdle();
    const job = queue.view().jobs.find((j) => j.id === id)!;
    expect(job).toMatchObject({ state: 'failed', maybePrinted: true });
    expect(job.lastError).toContain('可能已打出部分');
    await expect(queue.retry(id)).rejects.toThrow(/重新打印/);
    breakWhileSending = false;
    const after = await queue.reprint(id);
    expect(after.jobs).toMatchObject([{ id, state: 'printed', attempts: 2, maybePrinted: false }]);
  });

  it('a job left printing by a crash is marked maybe-printed at start', async () => {
    db.prepare(
      `INSERT INTO print_job (kind, title, document, profile, state, attempts, created_at) VALUES ('receipt', 't', '{}', '{}', 'printing', 1, 'now')`,
    ).run();
    const queue = await startService();
    expect(queue.view().jobs).toMatchObject([{ state: 'failed', maybePrinted: true, lastError: INTERRUPTED_MESSAGE }]);
  });

  it('previews a job as SVG', async () => {
    const queue = await startService();
    simulator.setState({ paperOut: true });
    const id = queue.enqueueForCase(accepted, context)!;
    await queue.whenIdle();
    const { svg } = queue.preview(id);
    expect(svg).toMatch(/^<svg/);
    expect(svg.replace(/<[^>]+>/g, '')).toContain(`办件编号：${accepted.caseNo}`);
  });

  it('close waits for a test page in flight: the link is shut before the next service may open the same port', async () => {
    let release!: () => void;
    holdWrites = new Promise((resolve) => (release = resolve));
    const queue = await startService();
    const page = queue.printNow(caseSlip(accepted, context));
    await expect.poll(() => openLinks).toBe(1);
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    expect(openLinks).toBe(1);
    release();
    await closing;
    expect(openLinks).toBe(0);
    expect(await page).toMatchObject({ ok: true });
    expect(await simulator.waitForJobs(1)).toHaveLength(1);
    // Closed: another test page is refused, not sent.
    expect(await queue.printNow(caseSlip(accepted, context))).toMatchObject({ ok: false, message: expect.stringContaining('正在更换') });
  });

  it('a slip enqueued while the service closes is kept, and the next service prints it', async () => {
    let release!: () => void;
    holdWrites = new Promise((resolve) => (release = resolve));
    const old = await startService();
    old.enqueueForCase(accepted, context);
    await expect.poll(() => openLinks).toBe(1);
    const closing = old.close();
    // Decided while the printer setting is being changed: stored on the closing service.
    const id = old.enqueueForCase(notice, context);
    expect(id).not.toBeNull();
    release();
    await closing;
    const states = (queue: PrintService) => Object.fromEntries(queue.view().jobs.map((job) => [job.caseNo, job.state]));
    expect(states(old)).toEqual({ [accepted.caseNo]: 'printed', [notice.caseNo]: 'queued' });
    const next = await startService();
    next.start();
    await expect.poll(() => states(next)).toEqual({ [accepted.caseNo]: 'printed', [notice.caseNo]: 'printed' });
    const jobs = await simulator.waitForJobs(2);
    expect(text(jobs[1]!)).toContain('一次性告知书');
  });

  it('an unreachable printer: not sent, the clerk reads why; a bad slip never throws into the case', async () => {
    const queue = new PrintService({
      db,
      config: { link: { kind: 'tcp', host: '127.0.0.1', port: 1 }, profile: P80 },
      statusPollMs: 0,
      rasteriser,
    });
    service = queue;
    const id = queue.enqueueForCase(accepted, context)!;
    await queue.whenIdle();
    expect(queue.view().jobs).toMatchObject([{ id, state: 'failed', maybePrinted: false }]);
    expect(queue.state().level).toBe('error');
    expect(queue.state().message).toContain('请检查打印机电源');
    // 一次性告知 with nothing missing cannot be a notice: logged, not thrown.
    expect(queue.enqueueForCase({ ...notice, caseNo: 'x', missing: [] }, context)).toBeNull();
  });
});

describe('printer configuration', () => {
  it('reads HALLDESK_PRINTER and HALLDESK_PRINTER_WIDTH', () => {
    expect(printerConfigFromEnv({})).toBeUndefined();
    expect(printerConfigFromEnv({ HALLDESK_PRINTER: 'tcp://127.0.0.1:9100', HALLDESK_PRINTER_WIDTH: '58' })).toEqual({
      link: { kind: 'tcp', host: '127.0.0.1', port: 9100 },
      profile: { width: 58, nativeQr: true, fourByteGb18030: false },
    });
    expect(parsePrinterLink('tcp://192.168.1.50')).toEqual({ kind: 'tcp', host: '192.168.1.50', port: 9100 });
    expect(parsePrinterLink('serial:/dev/ttyUSB0?baud=115200&flow=rtscts')).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 115200,
      flowControl: 'rtscts',
    });
    expect(parsePrinterLink('usb:/dev/usb/lp0')).toEqual({ kind: 'usb', path: '/dev/usb/lp0' });
    expect(() => parsePrinterLink('lpt1')).toThrow(/打印机地址无法识别/);
    expect(() => printerConfigFromEnv({ HALLDESK_PRINTER: 'usb:/dev/usb/lp0', HALLDESK_PRINTER_WIDTH: '76' })).toThrow(/58 或 80/);
  });

  it('the receipt QR holds <server>/case/<caseNo>', () => {
    expect(caseLookupUrl('http://hall:8080/', '2026')).toBe('http://hall:8080/case/2026');
    const doc = caseSlip({ ...accepted, decision: 'refuse', status: 'refused', refuseReason: '不属于本机关职权范围' }, context);
    expect(doc.kind).toBe('refusal');
  });
});
