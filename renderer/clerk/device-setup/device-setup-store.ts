// The 设备设置 screen's state (managers only): the setup as the core last
// answered it, the serial ports found, the call each part of the screen is
// running and the last result it had, and the printer test page's preview.
// Every call goes through the one link; a failure keeps the core's zh-CN
// message where the manager is looking.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ClerkState } from '../../../common/contract.ts';
import type {
  DeviceSection,
  DeviceSettingChange,
  DeviceSetupView,
  SerialPortOption,
} from '../../../common/device-setup.ts';
import { DEVICE_SECTION_NAME } from '../../../common/device-setup.ts';
import { LEVEL_NAME } from '../../../common/ratings.ts';
import { callErrorText, type Link } from '../../transport.ts';
import { formatKb, IMPORT_MAX_BYTES } from './device-setup-logic.ts';
import { svgDataUrl } from '../print-store.ts';

/** The parts of the screen that show a result of their own. */
export type ResultSlot =
  | 'evaluator'
  | 'evaluatorTest'
  | 'idCard'
  | 'idCardTest'
  | 'printer'
  | 'printerTest'
  | 'display'
  | 'voice'
  | 'server'
  | 'reenroll'
  | 'transfer'
  | 'unlock';

/** What a part of the screen is doing now (its button spins). */
export type SetupTask = 'save' | 'reset' | 'ping' | 'rating' | 'test' | 'export' | 'import' | 'reenroll' | 'unlock';

export interface SetupResult {
  ok: boolean;
  message: string;
}

/** A file picked for 导入设备设置 (a File in the page). */
export interface PickedFile {
  name: string;
  size: number;
  text(): Promise<string>;
}

export interface DeviceSetupStore {
  open: boolean;
  view: DeviceSetupView | null;
  loading: boolean;
  /** Why the setup could not be loaded. */
  loadError: string | null;
  ports: SerialPortOption[];
  /** What the port discovery says (how it looked, what to check), zh-CN. */
  portsNote: string | null;
  portsLoading: boolean;
  busy: Partial<Record<ResultSlot, SetupTask>>;
  results: Partial<Record<ResultSlot, SetupResult>>;
  /** The last test page as an <img> source. */
  printerPreview: string | null;
  setOpen(open: boolean): void;
  load(): Promise<void>;
  refreshPorts(): Promise<void>;
  save(change: DeviceSettingChange): Promise<boolean>;
  reset(section: DeviceSection): Promise<boolean>;
  testPrinter(): Promise<void>;
  pingEvaluator(): Promise<void>;
  testEvaluatorRating(): Promise<void>;
  /** 读卡测试: waits for a card on the reader; the result shows its fields masked. */
  testIdCardReader(): Promise<void>;
  testDisplay(): Promise<void>;
  testVoice(): Promise<void>;
  changeServer(serverUrl: string): Promise<boolean>;
  /**
   * 重新注册 with a new code: the counter's state afterwards (a new identity,
   * nobody signed in, so 设备设置 closes), or null with the reason in
   * results.reenroll (the old enrollment stays).
   */
  reenroll(serverUrl: string, code: string): Promise<ClerkState | null>;
  exportSetup(): Promise<void>;
  importSetup(file: PickedFile): Promise<boolean>;
  /** 登录解锁: a staff number locked after too many wrong passwords may sign in again. */
  unlockStaff(staffNo: string): Promise<boolean>;
  /** A result the screen found itself (e.g. a form check), shown like a call's. */
  say(slot: ResultSlot, result: SetupResult | null): void;
}

export const SECTION_SLOT: Record<DeviceSection, ResultSlot> = {
  printer: 'printer',
  evaluator: 'evaluator',
  outwardDisplayId: 'display',
  voice: 'voice',
  idCardReader: 'idCard',
};

const SAVED_TEXT: Record<DeviceSection, string> = {
  printer: '已保存为本机设置，打印机已按新设置重新连接；可点「打印测试页」检查',
  evaluator: '已保存为本机设置，评价器已按新设置重新连接；可点「测试连接」检查',
  outwardDisplayId: '已保存为本机设置，外屏已移到所选显示器；可点「显示测试画面」检查',
  voice: '已保存为本机设置；可点「测试语音」试听',
  idCardReader: '已保存为本机设置，身份证阅读器已按新设置重新连接；可点「读卡测试」检查',
};

/** Puts text in a file the browser saves (Downloads folder, or a save dialog in Electron). */
export type SaveFile = (fileName: string, text: string) => void;

/** `saveFile` is downloadText (DeviceSetup.tsx) in the page, a fake in the unit tests. */
export function createDeviceSetupStore(link: Link, saveFile: SaveFile): StoreApi<DeviceSetupStore> {
  return createStore<DeviceSetupStore>()((set, get) => {
    const setResult = (slot: ResultSlot, result: SetupResult | null) =>
      set({ results: { ...get().results, [slot]: result ?? undefined } });
    const setBusy = (slot: ResultSlot, task: SetupTask | null) =>
      set({ busy: { ...get().busy, [slot]: task ?? undefined } });

    /** One task per part of the screen; a second press meanwhile is ignored. */
    const task = async (
      slot: ResultSlot,
      kind: SetupTask,
      perform: () => Promise<SetupResult>,
    ): Promise<boolean> => {
      if (get().busy[slot]) return false;
      setBusy(slot, kind);
      setResult(slot, null);
      try {
        const result = await perform();
        setResult(slot, result);
        return result.ok;
      } catch (error) {
        setResult(slot, { ok: false, message: callErrorText(error) });
        return false;
      } finally {
        setBusy(slot, null);
      }
    };

    return {
      open: false,
      view: null,
      loading: false,
      loadError: null,
      ports: [],
      portsNote: null,
      portsLoading: false,
      busy: {},
      results: {},
      printerPreview: null,
      setOpen(open) {
        if (open === get().open) return;
        // Results and the preview belong to the visit; the next opening starts clean.
        set({ open, results: {}, printerPreview: null, loadError: null });
        if (open) {
          void get().load();
          void get().refreshPorts();
        }
      },
      async load() {
        set({ loading: true, loadError: null });
        try {
          set({ view: await link.api.getDeviceSetup({}) });
        } catch (error) {
          set({ loadError: callErrorText(error) });
        } finally {
          set({ loading: false });
        }
      },
      async refreshPorts() {
        if (get().portsLoading) return;
        set({ portsLoading: true });
        try {
          const { ports, note } = await link.api.listSerialPorts({});
          set({ ports, portsNote: note || null });
        } catch (error) {
          set({ portsNote: `查找串口失败：${callErrorText(error)}` });
        } finally {
          set({ portsLoading: false });
        }
      },
      save: (change) =>
        task(SECTION_SLOT[change.section], 'save', async () => {
          set({ view: await link.api.saveDeviceSetting({ change }) });
          return { ok: true, message: SAVED_TEXT[change.section] };
        }),
      reset: (section) =>
        task(SECTION_SLOT[section], 'reset', async () => {
          const view = await link.api.resetDeviceSetting({ section });
          set({ view });
          const source = view.sources[section];
          const now = source === 'hall' ? '大厅统一配置' : source === 'launcher' ? '启动参数' : '默认设置';
          return { ok: true, message: `已删除本机的${DEVICE_SECTION_NAME[section]}设置，现按${now}使用` };
        }),
      async testPrinter() {
        set({ printerPreview: null });
        await task('printerTest', 'test', async () => {
          const result = await link.api.testPrinter({});
          set({ printerPreview: result.svg ? svgDataUrl(result.svg) : null });
          return { ok: result.ok, message: result.message };
        });
      },
      async pingEvaluator() {
        await task('evaluatorTest', 'ping', () => link.api.pingEvaluator({}));
      },
      async testEvaluatorRating() {
        await task('evaluatorTest', 'rating', async () => {
          const result = await link.api.testEvaluatorRating({});
          const level = result.level === null ? null : LEVEL_NAME[result.level];
          const text =
            level && !result.message.includes(level) ? `${result.message}（按下：${level}）` : result.message;
          return { ok: result.ok, message: text };
        });
      },
      async testIdCardReader() {
        await task('idCardTest', 'test', () => link.api.testIdCardReader({}));
      },
      async testDisplay() {
        await task('display', 'test', async () => {
          await link.api.testOutwardDisplay({});
          return {
            ok: true,
            message: '外屏正在显示测试画面（约 10 秒）：请确认画面出现在对外的显示器上，且四边完整',
          };
        });
      },
      async testVoice() {
        await task('voice', 'test', async () => {
          const { text } = await link.api.testVoice({});
          return { ok: true, message: `外屏正在播放「${text}」：请确认听得到、音量合适` };
        });
      },
      changeServer: (serverUrl) =>
        task('server', 'save', async () => {
          set({ view: await link.api.changeServerAddress({ serverUrl }) });
          return { ok: true, message: `已更换为 ${serverUrl}，新地址已接受本终端` };
        }),
      async reenroll(serverUrl, code) {
        let state: ClerkState | null = null;
        await task('reenroll', 'reenroll', async () => {
          state = await link.api.reenroll({ serverUrl, code });
          return { ok: true, message: reenrolledText(serverUrl, state) };
        });
        // Nobody is signed in now: the screen closes (the page tells what happened).
        if (state) set({ open: false, results: {}, printerPreview: null, loadError: null, view: null });
        return state;
      },
      unlockStaff: (staffNo) =>
        task('unlock', 'unlock', async () => {
          const { message } = await link.api.unlockStaffSignIn({ staffNo });
          return { ok: true, message };
        }),
      async exportSetup() {
        await task('transfer', 'export', async () => {
          const { fileName, text } = await link.api.exportDeviceSetup({});
          saveFile(fileName, text);
          return { ok: true, message: `已导出「${fileName}」，请在下一个窗口的设备设置中导入` };
        });
      },
      importSetup: (file) =>
        task('transfer', 'import', async () => {
          if (file.size > IMPORT_MAX_BYTES) {
            return {
              ok: false,
              message: `「${file.name}」有 ${formatKb(file.size)}，设备设置文件不超过 ${formatKb(IMPORT_MAX_BYTES)}：请选择 HallDesk 导出的设备设置文件（.json）`,
            };
          }
          const text = await file.text();
          if (text.length > IMPORT_MAX_BYTES) {
            return {
              ok: false,
              message: `「${file.name}」太大，不是 HallDesk 设备设置文件：请选择导出的 .json 文件`,
            };
          }
          set({ view: await link.api.importDeviceSetup({ text }) });
          return {
            ok: true,
            message: `已导入「${file.name}」：打印机、评价器、外屏显示器和语音播报均改为文件中的设置（本机设置）`,
          };
        }),
      say: setResult,
    };
  });
}

/** What the page tells after 重新注册. */
export function reenrolledText(serverUrl: string, state: ClerkState): string {
  const where = state.window?.name ? `（${state.window.name}）` : '';
  return `本终端已重新注册到 ${serverUrl}${where}：请重新登录`;
}

export const DeviceSetupContext = createContext<StoreApi<DeviceSetupStore> | null>(null);

export function useDeviceSetupApi(): StoreApi<DeviceSetupStore> {
  const store = useContext(DeviceSetupContext);
  if (!store) throw new Error('DeviceSetupContext is missing');
  return store;
}

export function useDeviceSetup<T>(selector: (store: DeviceSetupStore) => T): T {
  return useStore(useDeviceSetupApi(), selector);
}
