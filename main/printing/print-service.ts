// The counter's print queue: owns the printer driver, keeps every slip in
// SQLite (print-store.ts) until it printed, prints one job at a time, and
// tells the clerk the printer's state in words.
//
// Rules:
// - A job is encoded at print time, from the stored (already masked) document.
// - The oldest queued job goes first. When the printer refuses (no paper,
//   cover open…) or cannot be reached, that job is marked and the run stops:
//   the jobs behind it stay queued. Nothing is retried behind the clerk's
//   back except queued jobs after the printer reports it is ready again.
// - A job whose link failed while it was being sent may have partly printed
//   (maybePrinted): only the clerk's 重新打印 sends it again.
// - Nothing here ever throws into a case decision: enqueueForCase logs and
//   carries on; a case is committed before it is called.
import { owedMaterials } from '../../common/case-rules.ts';
import type { CaseRecord } from '../../common/cases.ts';
import { materialFormText } from '../../common/materials.ts';
import { HallError } from '../../common/errors.ts';
import type { Item } from '../../common/model.ts';
import type { PrintJobKind, PrinterState, PrintQueueView } from '../../common/printing.ts';
import {
  acceptanceReceipt,
  encodeDocument,
  oneTimeNotice,
  PrinterDriver,
  previewSvg,
  refusalNotice,
  refusalReason,
  statusMessages,
  type PrintDocument,
  type PrinterStatus,
  type PrinterProfile,
  type PrinterTransport,
} from '../devices/printer/index.ts';
import { supplementReceipt } from '../devices/printer/templates.ts';
import type { TextRasteriser } from '../devices/printer/text-raster.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { Db } from '../store/database.ts';
import { describePrinterLink, openPrinterLink, type PrinterConfig } from './config.ts';
import { PrintStore } from './print-store.ts';

export interface PrintServiceOptions {
  db: Db;
  config: PrinterConfig;
  clock?: () => Date;
  log?: Logger;
  /** Called after every change the clerk should see (queue or printer state). */
  onChange?: () => void;
  /** How often the printer's status is asked while idle (ms); 0 = never. Default 10 s. */
  statusPollMs?: number;
  /** Replaces the link from the config (tests). */
  open?: () => Promise<PrinterTransport>;
  /** Draws lines the printer cannot print (tests pass one without system fonts). */
  rasteriser?: TextRasteriser;
}

/** Who printed a case's slip, where: filled in by the counter from its own state. */
export interface CaseSlipContext {
  hallName: string;
  windowName: string;
  clerkName: string;
  clerkStaffNo: string | null;
  /** The hall server's address: the receipt's QR is `<serverUrl>/case/<caseNo>`. */
  serverUrl: string | null;
  item: Item | null;
}

export const INTERRUPTED_MESSAGE = '上次打印时程序中断，单据可能已打出部分：请核对打印机出纸，如没有或不完整请点「重新打印」';
export const MAYBE_PRINTED_ADVICE = '打印中途连接中断，单据可能已打出部分：请核对打印机出纸，如没有或不完整请点「重新打印」';

/** The case lookup address the receipt's QR code holds. */
export function caseLookupUrl(serverUrl: string | null, caseNo: string): string {
  const base = (serverUrl ?? 'https://hall.invalid').replace(/\/+$/, '');
  return `${base}/case/${encodeURIComponent(caseNo)}`;
}

/** The slip a decided case prints: 受理回执, 一次性告知书 or 不予受理通知书. */
export function caseSlip(record: CaseRecord, context: CaseSlipContext): PrintDocument {
  const applicantMasked = `${record.applicantMasked.name}（${record.applicantMasked.idMasked}）`;
  const common = {
    hallName: context.hallName,
    itemName: record.itemName,
    windowName: context.windowName,
    clerkName: context.clerkName,
    clerkStaffNo: context.clerkStaffNo,
  };
  switch (record.decision) {
    case 'accept':
    case 'accept_with_missing':
      return acceptanceReceipt({
        ...common,
        caseNo: record.caseNo,
        applicantMasked,
        acceptedAt: record.decidedAt,
        promisedDate: record.promisedDate,
        promisedWorkingDays: record.promisedDate ? (context.item?.limitDays ?? null) : null,
        calendarDays: context.item?.calendarDays ?? false,
        lookupUrl: caseLookupUrl(context.serverUrl, record.caseNo),
        owed:
          record.decision === 'accept_with_missing' && record.owedBy
            ? { materials: record.missing.map((m) => m.name), dueDate: record.owedBy }
            : null,
      });
    case 'notice':
      return oneTimeNotice({
        ...common,
        applicantMasked,
        missing: record.missing,
        materials: context.item?.materials ?? null,
        date: record.decidedAt,
        caseNo: record.caseNo,
      });
    case 'refuse':
      return refusalNotice({
        ...common,
        applicantMasked,
        caseNo: record.caseNo,
        reason: record.refuseReason ?? '不符合受理条件',
        date: record.decidedAt,
      });
  }
}

/** The 补交回执 of a 容缺受理 case: what was handed in now (`received`, names), what is still owed. */
export function supplementSlip(record: CaseRecord, received: readonly string[], context: CaseSlipContext): PrintDocument {
  const byName = new Map((context.item?.materials ?? []).map((m) => [m.name, m]));
  const at = record.missing.find((m) => received.includes(m.name))?.suppliedAt;
  if (!at) throw new Error(`办件 ${record.caseNo} 没有这些材料的补交登记，不能打印补交回执`);
  return supplementReceipt({
    hallName: context.hallName,
    caseNo: record.caseNo,
    itemName: record.itemName,
    applicantMasked: `${record.applicantMasked.name}（${record.applicantMasked.idMasked}）`,
    suppliedAt: at,
    received: record.missing
      .filter((m) => received.includes(m.name))
      .map((m) => {
        const material = byName.get(m.name);
        return { name: m.name, form: material ? materialFormText(material) : '' };
      }),
    stillOwed: owedMaterials(record).map((m) => m.name),
    owedBy: record.owedBy,
    promisedDate: record.promisedDate,
    windowName: context.windowName,
    clerkName: context.clerkName,
    clerkStaffNo: context.clerkStaffNo,
    lookupUrl: caseLookupUrl(context.serverUrl, record.caseNo),
  });
}

export class PrintService {
  private readonly store: PrintStore;
  private readonly config: PrinterConfig;
  private readonly driver: PrinterDriver;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly onChange: () => void;
  private readonly rasteriser: TextRasteriser | undefined;
  private readonly description: string;
  private printer: { level: PrinterState['level']; message: string | null } = { level: 'ok', message: null };
  private run: Promise<void> | null = null;
  private again = false;
  private poller: ReturnType<typeof setInterval> | null = null;
  private polling: Promise<void> | null = null;
  /** 打印测试页 in flight: close() waits for it too (the next service may open the same port). */
  private testing: Promise<unknown> | null = null;
  private closed = false;

  constructor(options: PrintServiceOptions) {
    this.store = new PrintStore(options.db);
    this.config = options.config;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLogger;
    this.onChange = options.onChange ?? (() => {});
    this.rasteriser = options.rasteriser;
    this.description = describePrinterLink(options.config.link);
    const link = options.config.link;
    this.driver = new PrinterDriver({
      profile: options.config.profile,
      open: options.open ?? (() => openPrinterLink(link)),
      log: this.log,
    });
    const interrupted = this.store.interrupted(INTERRUPTED_MESSAGE);
    if (interrupted > 0) this.log.warn('print jobs interrupted by the last quit', { jobs: interrupted });
    const pollMs = options.statusPollMs ?? 10_000;
    if (pollMs > 0) {
      this.poller = setInterval(() => void this.pollStatus(), pollMs);
      this.poller.unref();
    }
  }

  /** Asks the printer's state once and prints what is queued (left from an earlier run). */
  start(): void {
    void this.pollStatus().then(() => this.kick());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.polling;
    await this.run;
    await this.testing;
  }

  /** Resolves when no job is being printed (tests, and a clean quit). */
  async whenIdle(): Promise<void> {
    while (this.run) await this.run;
  }

  // ---- what the clerk sees --------------------------------------------------

  state(): PrinterState {
    return { ...this.printer, waiting: this.store.waitingCount(), description: this.description };
  }

  view(): PrintQueueView {
    return {
      printer: this.state(),
      jobs: this.store.list().map(({ document: _document, profile: _profile, ...job }) => job),
    };
  }

  preview(id: number): { svg: string } {
    const job = this.require(id);
    return { svg: previewSvg(job.document, job.profile, { rasteriser: this.rasteriser }) };
  }

  /** The printer this service prints on (its link and profile). */
  get printerConfig(): PrinterConfig {
    return this.config;
  }

  /** A document as this printer would print it, as SVG (not queued). */
  previewDocument(document: PrintDocument): string {
    return previewSvg(document, this.config.profile, { rasteriser: this.rasteriser });
  }

  /**
   * 打印测试页: prints `document` now, outside the queue (it waits for a job
   * being printed, never behind queued ones, and is never kept or retried).
   * A printer that cannot print refuses with its reason.
   */
  printNow(document: PrintDocument): Promise<{ ok: boolean; message: string }> {
    if (this.closed) return Promise.resolve({ ok: false, message: '打印机设置正在更换，请稍后再试' });
    const printing = this.printTestPage(document);
    const testing: Promise<unknown> = Promise.allSettled([this.testing, printing]).then(() => {
      if (this.testing === testing) this.testing = null;
    });
    this.testing = testing;
    return printing;
  }

  private async printTestPage(document: PrintDocument): Promise<{ ok: boolean; message: string }> {
    let bytes: Uint8Array;
    try {
      bytes = encodeDocument(document, this.config.profile, { rasteriser: this.rasteriser }).bytes;
    } catch (error) {
      this.log.error('test page could not be encoded', { error: String(error) });
      return { ok: false, message: `测试页无法生成打印数据：${String(error)}` };
    }
    const result = await this.driver.print(bytes);
    switch (result.outcome) {
      case 'printed': {
        const warning = result.warnings[0] ?? null;
        this.setPrinter(warning ? 'warning' : 'ok', warning);
        this.log.info('test page printed', { bytes: result.bytes });
        if (this.store.waitingCount() > 0) void this.kick();
        return {
          ok: true,
          message: `测试页已发送到${this.description}，请查看出纸是否完整清晰${warning ? `（${warning}）` : ''}`,
        };
      }
      case 'refused': {
        const reason = result.messages.join('；') || result.message;
        this.setPrinter('error', reason);
        return { ok: false, message: `打印机无法打印测试页：${reason}` };
      }
      case 'failed':
        this.setPrinter('error', result.message);
        return {
          ok: false,
          message: result.maybePrinted ? `测试页打印中途连接中断：${result.message}` : `测试页未能发送：${result.message}`,
        };
    }
  }

  // ---- adding jobs ------------------------------------------------------------

  /** Adds a job and starts printing; null when it is a case's original slip already queued. */
  enqueue(kind: PrintJobKind, document: PrintDocument, caseNo: string | null, reprintOf: number | null = null): number | null {
    const id = this.store.insert({
      kind,
      title: document.title,
      caseNo,
      document,
      profile: this.config.profile,
      createdAt: this.clock().toISOString(),
      reprintOf,
    });
    if (id !== null) {
      this.log.info('print job queued', { id, kind, caseNo });
      this.onChange();
      void this.kick();
    }
    return id;
  }

  /** After a case decision committed: its slip. Never throws (a printer problem never touches a case). */
  enqueueForCase(record: CaseRecord, context: CaseSlipContext): number | null {
    try {
      const document = caseSlip(record, context);
      return this.enqueue(document.kind, document, record.caseNo);
    } catch (error) {
      this.log.error('case slip not queued', { caseNo: record.caseNo, error: String(error) });
      return null;
    }
  }

  /**
   * After a 补交登记 committed: its 补交回执. Queued without the case number
   * (a case's number names its one original slip, the 受理回执); the title
   * carries it. Never throws.
   */
  enqueueSupplement(record: CaseRecord, received: readonly string[], context: CaseSlipContext): number | null {
    try {
      const document = supplementSlip(record, received, context);
      return this.enqueue(document.kind, document, null);
    } catch (error) {
      this.log.error('supplement slip not queued', { caseNo: record.caseNo, error: String(error) });
      return null;
    }
  }

  // ---- the clerk's buttons ----------------------------------------------------

  /** 重试: a job that was not sent (refused, unreachable) goes again; resolves when the queue has run. */
  async retry(id: number): Promise<PrintQueueView> {
    const job = this.require(id);
    if (job.state === 'printed') throw new HallError('CONFLICT', '该单据已打印；如需再打一份请点「重打」', 409);
    if (job.state === 'printing') throw new HallError('CONFLICT', '该单据正在打印，请稍候', 409);
    if (job.state === 'failed' && job.maybePrinted) throw new HallError('CONFLICT', MAYBE_PRINTED_ADVICE, 409);
    this.store.requeue(id);
    this.onChange();
    await this.kick();
    return this.view();
  }

  /** 重打 / 重新打印: another copy of a printed job, or a maybe-printed job sent again after the clerk checked. */
  async reprint(id: number): Promise<PrintQueueView> {
    const job = this.require(id);
    if (job.state === 'printing') throw new HallError('CONFLICT', '该单据正在打印，请稍候', 409);
    if (job.state === 'printed') {
      this.enqueue(job.kind, job.document, job.caseNo, job.id);
    } else {
      this.store.requeue(id);
      this.onChange();
    }
    await this.kick();
    return this.view();
  }

  private require(id: number) {
    const job = this.store.get(id);
    if (!job) throw new HallError('NOT_FOUND', `打印任务 ${id} 不存在，请刷新打印队列`, 404);
    return job;
  }

  // ---- the worker -----------------------------------------------------------------

  /** Prints queued jobs, oldest first, one at a time; resolves when the run ends. */
  private kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.run) {
      this.again = true;
      return this.run;
    }
    this.run = (async () => {
      do {
        this.again = false;
        for (let job = this.store.nextQueued(); job && !this.closed; job = this.store.nextQueued()) {
          if (!(await this.printOne(job.id, job.document, job.profile))) break;
        }
      } while (this.again && !this.closed && this.printer.level !== 'error');
    })()
      .catch((error: unknown) => this.log.error('print queue stopped', { error: String(error) }))
      .finally(() => {
        this.run = null;
      });
    return this.run;
  }

  /** One attempt; false when the printer cannot print now (the run stops). */
  private async printOne(id: number, document: PrintDocument, profile: PrinterProfile): Promise<boolean> {
    if (!this.store.startPrinting(id)) return true;
    this.onChange();
    let bytes: Uint8Array;
    try {
      const encoded = encodeDocument(document, profile, { rasteriser: this.rasteriser });
      if (encoded.rasterLines.length > 0) this.log.info('print job has raster lines', { id, lines: encoded.rasterLines.length });
      bytes = encoded.bytes;
    } catch (error) {
      this.log.error('print job could not be encoded', { id, error: String(error) });
      this.store.failed(id, '单据无法生成打印数据：请联系运维并说明打印任务编号', false);
      this.onChange();
      return true;
    }
    const result = await this.driver.print(bytes);
    switch (result.outcome) {
      case 'printed': {
        const warning = result.warnings[0] ?? null;
        this.store.printed(id, this.clock().toISOString(), warning);
        this.setPrinter(warning ? 'warning' : 'ok', warning);
        this.log.info('print job printed', { id, bytes: result.bytes });
        return true;
      }
      case 'refused':
        this.store.refused(id, result.message);
        this.setPrinter('error', result.messages.join('；') || result.message);
        return false;
      case 'failed': {
        const message = result.maybePrinted ? `${MAYBE_PRINTED_ADVICE}（${result.message}）` : result.message;
        this.store.failed(id, message, result.maybePrinted);
        this.setPrinter('error', result.message);
        return false;
      }
    }
  }

  private setPrinter(level: PrinterState['level'], message: string | null): void {
    this.printer = { level, message };
    this.onChange();
  }

  /** Asks DLE EOT while idle; a printer back to ready prints what is queued. */
  private pollStatus(): Promise<void> {
    if (this.closed || this.run || this.polling) return this.polling ?? Promise.resolve();
    this.polling = (async () => {
      const before = this.printer.level;
      try {
        const status = await this.driver.status();
        if (this.closed || this.run) return;
        this.applyStatus(status);
      } catch (error) {
        if (this.closed || this.run) return;
        this.setPrinter('error', (error as Error).message);
      }
      if (before === 'error' && this.printer.level !== 'error') void this.kick();
    })().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private applyStatus(status: PrinterStatus | null): void {
    if (status === null) {
      // A one-way link: nothing to learn; keep what the last job said.
      return;
    }
    const refusal = refusalReason(status);
    if (refusal) this.setPrinter('error', statusMessages(status).join('；'));
    else if (status.paperNearEnd) this.setPrinter('warning', statusMessages(status).join('；'));
    else this.setPrinter('ok', null);
  }
}
