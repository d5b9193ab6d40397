// The printer driver against the simulator over real links: TCP on 127.0.0.1,
// a serial pty pair (when socat is installed), a device file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrinterDriver } from '../../main/devices/printer/driver.ts';
import { encodeDocument } from '../../main/devices/printer/encode.ts';
import { parseEscPos } from '../../sim/printer/escpos-parser.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import type { PrinterProfile } from '../../main/devices/printer/profile.ts';
import { openSerialTransport } from '../../main/devices/printer/serial-transport.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { startPtyPair } from '../../sim/pty-pair.ts';
import { STATUS_MESSAGES } from '../../main/devices/printer/status.ts';
import { acceptanceReceipt, walkInTicket } from '../../main/devices/printer/templates.ts';
import { openTcpTransport } from '../../main/devices/printer/transport.ts';
import { openUsbLpTransport } from '../../main/devices/printer/usb-lp-transport.ts';
import { decodeQrBitmap } from '../helpers/printer-qr.ts';

const rasteriser = createTextRasteriser({ systemFonts: false });
const P58: PrinterProfile = { width: 58, nativeQr: true, fourByteGb18030: false };
const LOOKUP = 'https://hall.example.gov.cn/case/20260302010010001';

const ticket = walkInTicket({
  hallName: '南京市江北新区政务服务中心',
  ticketNumber: 'A012',
  lineName: '不动产登记',
  peopleAhead: 5,
  issuedAt: '2026-03-02T01:15:00Z',
  qrPayload: 'https://hall.example.gov.cn/q/A012',
});
const receipt = acceptanceReceipt({
  hallName: '南京市江北新区政务服务中心',
  caseNo: '20260302010010001',
  itemName: '不动产登记（二手房转移登记）',
  applicantMasked: '𠈌*',
  acceptedAt: '2026-03-02T01:30:00Z',
  promisedDate: '2026-03-16',
  promisedWorkingDays: 10,
  windowName: '3号窗口',
  clerkName: '张三',
  clerkStaffNo: '1001',
  lookupUrl: LOOKUP,
});

const text = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, '')).filter(Boolean);

let dir: string;
let simulator: PrinterSimulator;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-printer-'));
  simulator = new PrinterSimulator({ recordDir: dir, decodeQrImage: decodeQrBitmap });
});
afterEach(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function tcpDriver(profile: PrinterProfile = P58) {
  const { port } = await simulator.listenTcp(0);
  return new PrinterDriver({ profile, open: () => openTcpTransport({ host: '127.0.0.1', port }), statusTimeoutMs: 2000 });
}

describe('over TCP (port 9100 style)', () => {
  it('prints a walk-in ticket and a 受理回执 with their text and QR payloads', async () => {
    const driver = await tcpDriver();
    const first = await driver.print(encodeDocument(ticket, P58, { rasteriser }).bytes);
    expect(first).toMatchObject({ outcome: 'printed', statusBefore: { online: true, paperOut: false }, warnings: [] });
    const receiptJob = encodeDocument(receipt, P58, { rasteriser });
    expect(await driver.print(receiptJob.bytes)).toMatchObject({ outcome: 'printed' });
    const [t, r] = await simulator.waitForJobs(2);

    expect(text(t!)).toEqual([
      '南京市江北新区政务服务中心',
      '排队号',
      'A012',
      '不动产登记',
      '您前面还有5人等候',
      '取号时间：2026-03-0209:15',
      '扫码查看排队进度',
      '请留意叫号屏和语音提示，过号请到',
      '窗口咨询',
    ]);
    expect(t!.qr).toEqual([{ payload: 'https://hall.example.gov.cn/q/A012', source: 'native', moduleSize: 6, level: 'M' }]);
    expect(t!.cut).toBe('partial');
    expect(t!.warnings).toEqual([]);

    expect(text(r!)).toEqual(
      expect.arrayContaining(['受理回执', '办件编号：20260302010010001', '受理时间：2026-03-0209:30', '受理窗口：3号窗口', '扫码查询办理进度']),
    );
    expect(r!.qr.map((qr) => qr.payload)).toEqual([LOOKUP]);
    // 申请人：𠈌* cannot be printed as text on this profile: it came as one image line.
    expect(r!.images).toHaveLength(1);
    expect(r!.images[0]).toMatchObject({ height: 24, file: 'job-0002-image-1.png' });
    expect(r!.bytes).toBe(receiptJob.bytes.length);
    expect(r!.warnings).toEqual([]);

    // Recorded to the folder: JSON per job plus the image as PNG.
    expect(readdirSync(dir).sort()).toEqual(['job-0001.json', 'job-0002-image-1.png', 'job-0002.json']);
    const saved = JSON.parse(readFileSync(join(dir, 'job-0002.json'), 'utf8')) as SimulatedJob;
    expect(saved.qr[0]!.payload).toBe(LOOKUP);
    expect(readFileSync(join(dir, 'job-0002-image-1.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses a job while the paper is out, keeps it unprinted, and prints it exactly once on retry', async () => {
    const driver = await tcpDriver();
    const job = encodeDocument(receipt, P58, { rasteriser }).bytes;
    simulator.setState({ paperOut: true });

    const refused = await driver.print(job);
    expect(refused).toMatchObject({ outcome: 'refused', message: '打印机缺纸：请装入热敏纸后点重试', status: { paperOut: true, online: false } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(simulator.jobs).toHaveLength(0);
    expect(simulator.command('jobs')).toBe('已打印 0 个任务，暂存 0 个'); // nothing waiting inside the printer either

    simulator.command('paper ok');
    const retried = await driver.print(job);
    expect(retried).toMatchObject({ outcome: 'printed', warnings: [] });
    await simulator.waitForJobs(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(simulator.jobs).toHaveLength(1);
    expect(simulator.jobs[0]!.qr.map((qr) => qr.payload)).toEqual([LOOKUP]);
    expect(simulator.jobs[0]!.held).toBe(false);
  });

  it('shows why a job would print twice if it were sent blind while the paper is out', async () => {
    const { port } = await simulator.listenTcp(0);
    simulator.setState({ paperOut: true });
    const link = await openTcpTransport({ host: '127.0.0.1', port });
    await link.write(encodeDocument(ticket, P58, { rasteriser }).bytes);
    await link.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(simulator.jobs).toHaveLength(0); // held inside the printer…
    simulator.setState({ paperOut: false });
    expect(simulator.jobs).toHaveLength(1); // …and printed when paper is back: a retry now would be a second copy
    expect(simulator.jobs[0]!.held).toBe(true);
  });

  it('refuses with the cover open, warns of paper near its end, reports the status', async () => {
    const driver = await tcpDriver();
    simulator.command('cover open');
    expect(await driver.print(encodeDocument(ticket, P58, { rasteriser }).bytes)).toMatchObject({
      outcome: 'refused',
      message: STATUS_MESSAGES.coverOpen,
    });
    simulator.command('合盖');
    simulator.command('纸将尽');
    expect(await driver.status()).toMatchObject({ online: true, paperNearEnd: true, paperOut: false });
    expect(await driver.print(encodeDocument(ticket, P58, { rasteriser }).bytes)).toMatchObject({
      outcome: 'printed',
      warnings: [STATUS_MESSAGES.paperNearEnd],
    });
  });

  it('fails plainly, with nothing printed, when nothing listens', async () => {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const driver = new PrinterDriver({ profile: P58, open: () => openTcpTransport({ host: '127.0.0.1', port }) });
    const result = await driver.print(new Uint8Array([0x1b, 0x40]));
    expect(result).toMatchObject({ outcome: 'failed', maybePrinted: false });
    expect(result.outcome === 'failed' && result.message).toMatch(/^无法连接网络打印机 127\.0\.0\.1:\d+：.*请检查打印机电源、网线和 IP 地址后点重试$/);
  });

  it('prints without status when the printer never answers', async () => {
    const received: Buffer[] = [];
    const mute = createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    const port = await new Promise<number>((resolve) => mute.listen(0, '127.0.0.1', () => resolve((mute.address() as { port: number }).port)));
    try {
      const driver = new PrinterDriver({ profile: P58, open: () => openTcpTransport({ host: '127.0.0.1', port }), statusTimeoutMs: 150 });
      const job = encodeDocument(ticket, P58, { rasteriser }).bytes;
      expect(await driver.print(job)).toMatchObject({ outcome: 'printed', statusBefore: null, statusAfter: null });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const events = parseEscPos(new Uint8Array(Buffer.concat(received)));
      expect(events.filter((e) => e.type === 'status-query')).toHaveLength(1); // asked once, then went on
      expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('reads a raster QR back when the profile has no native QR', async () => {
    const profile = { ...P58, nativeQr: false };
    const driver = await tcpDriver(profile);
    expect(await driver.print(encodeDocument(receipt, profile, { rasteriser }).bytes)).toMatchObject({ outcome: 'printed' });
    const [job] = await simulator.waitForJobs(1);
    expect(job!.qr).toEqual([{ payload: LOOKUP, source: 'raster' }]);
    expect(job!.images).toHaveLength(2); // the 𠈌 line and the QR
  });
});

function socatInstalled(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasSocat = socatInstalled();

describe.skipIf(!hasSocat)('over a serial line (pty pair made by socat)', () => {
  it('prints and answers status at 115200 baud with RTS/CTS', async () => {
    const pair = await startPtyPair(join(dir, 'ttyPRINTER'));
    expect(pair).not.toBeNull();
    try {
      await simulator.openSerial(pair!.simPath, 115200);
      const driver = new PrinterDriver({
        profile: P58,
        open: () => openSerialTransport({ path: pair!.appPath, baudRate: 115200, flowControl: 'rtscts' }),
        statusTimeoutMs: 2000,
      });
      simulator.setState({ paperOut: true });
      expect(await driver.print(encodeDocument(receipt, P58, { rasteriser }).bytes)).toMatchObject({ outcome: 'refused' });
      simulator.setState({ paperOut: false });
      expect(await driver.print(encodeDocument(receipt, P58, { rasteriser }).bytes)).toMatchObject({ outcome: 'printed' });
      const [job] = await simulator.waitForJobs(1);
      expect(job!.qr.map((qr) => qr.payload)).toEqual([LOOKUP]);
      expect(text(job!)).toContain('办件编号：20260302010010001');
    } finally {
      await simulator.close();
      pair?.stop();
    }
  });
});

describe('the USB printer device file', () => {
  it('writes the job to the device and prints without status when it has no back channel', async () => {
    const device = join(dir, 'lp0');
    writeFileSync(device, '');
    const driver = new PrinterDriver({ profile: P58, open: () => openUsbLpTransport({ path: device }), statusTimeoutMs: 100 });
    const job = encodeDocument(ticket, P58, { rasteriser }).bytes;
    expect(await driver.print(job)).toMatchObject({ outcome: 'printed', statusBefore: null });
    const written = new Uint8Array(readFileSync(device));
    // A regular file never answers: the status query went out once, then the job.
    expect(Buffer.from(written.subarray(0, 3)).toString('hex')).toBe('100401');
    expect(Buffer.from(written.subarray(3)).equals(Buffer.from(job))).toBe(true);
  });

  it('says what to do when the device is missing', async () => {
    await expect(openUsbLpTransport({ path: join(dir, 'no-such-lp') })).rejects.toThrow('设备不存在：请检查 USB 线和打印机电源');
  });
});
