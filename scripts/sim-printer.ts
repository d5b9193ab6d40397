// `npm run sim:printer`: an ESC/POS printer simulator (sim/printer/simulator.ts).
//
//   node scripts/sim-printer.ts [--port 9100] [--host 127.0.0.1] [--no-tcp]
//                               [--pty PATH] [--baud 9600] [--out DIR]
//                               [--paper-out] [--paper-low] [--cover-open] [--offline]
//
// --pty PATH: sit on a serial line. An existing device (/dev/ttyUSB0, one end
// of a pty pair) is opened as it is; otherwise a pty pair is made with socat
// and the app opens PATH. Type commands on stdin (paper out / 缺纸, paper ok /
// 装纸, cover open / 开盖, status / 状态 …; help lists them).
//
// It exits when its standard input closes (exit code 0) or its serial line
// goes away (exit code 1), so it never outlives what drives it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PrinterSimulator, SIMULATOR_HELP } from '../sim/printer/simulator.ts';
import { startPtyPair } from '../sim/pty-pair.ts';
import { watchLinePath } from '../sim/line-watch.ts';
import { decodeQrBitmap } from '../test/helpers/printer-qr.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-tcp': { type: 'boolean', default: false },
    pty: { type: 'string' },
    baud: { type: 'string', default: '9600' },
    out: { type: 'string' },
    'paper-out': { type: 'boolean', default: false },
    'paper-low': { type: 'boolean', default: false },
    'cover-open': { type: 'boolean', default: false },
    offline: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`用法：node scripts/sim-printer.ts [--port 9100] [--host 127.0.0.1] [--no-tcp] [--pty 路径] [--baud 9600]
                [--out 目录] [--paper-out] [--paper-low] [--cover-open] [--offline]\n\n${SIMULATOR_HELP}`);
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const recordDir = values.out ?? join(fileURLToPath(new URL('../.data/printer-sim', import.meta.url)), stamp);
const simulator = new PrinterSimulator({
  recordDir,
  state: { paperOut: values['paper-out'], paperNearEnd: values['paper-low'], coverOpen: values['cover-open'], offline: values.offline },
  decodeQrImage: decodeQrBitmap,
  log: (line) => console.log(line),
});

console.log(`ESC/POS 打印机模拟器：任务记录在 ${recordDir}`);
if (!values['no-tcp']) {
  try {
    const address = await simulator.listenTcp(Number(values.port), values.host);
    console.log(`正在监听 TCP ${address.host}:${address.port}（网络打印机）`);
  } catch (error) {
    console.error(`无法监听 TCP ${values.host}:${values.port}：${(error as Error).message}。端口被占用时请用 --port 换一个`);
    process.exit(1);
  }
}
let stopPty: (() => void) | null = null;
let serial: Awaited<ReturnType<PrinterSimulator['openSerial']>> | null = null;
if (values.pty) {
  const baud = Number(values.baud);
  if (existsSync(values.pty)) {
    serial = await simulator.openSerial(values.pty, baud);
    console.log(`正在串口 ${values.pty} 上等候（${baud} 波特）`);
  } else {
    const pair = await startPtyPair(values.pty);
    if (!pair) {
      console.error(`无法创建虚拟串口 ${values.pty}：需要 socat（Debian/Ubuntu：sudo apt-get install socat），或指定一个已有的串口设备`);
      process.exit(1);
    }
    stopPty = pair.stop;
    serial = await simulator.openSerial(pair.simPath, baud);
    console.log(`已创建虚拟串口：应用请打开 ${pair.appPath}（${baud} 波特），模拟器在 ${pair.simPath}`);
  }
}
console.log(simulator.describe());
console.log('输入 help 查看命令，Ctrl+C 退出。');

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const answer = simulator.command(line);
  if (answer) console.log(answer);
});
let stopping = false;
const stop = async (code = 0) => {
  if (stopping) return;
  stopping = true;
  input.close();
  // Closing a line whose other end is gone can hang; exiting must not.
  await Promise.race([simulator.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  stopPty?.();
  console.log(`模拟器已停止，共打印 ${simulator.jobs.length} 个任务。`);
  process.exit(code);
};
input.on('close', () => {
  if (stopping) return;
  console.log('标准输入已关闭，模拟器退出');
  void stop(0);
});
const lineLost = () => {
  if (stopping) return;
  console.log('串口已断开，模拟器退出');
  void stop(1);
};
void serial?.closed.then((closed) => {
  if (!closed.requested) lineLost();
});
if (values.pty && !stopPty) watchLinePath(values.pty, lineLost);
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
