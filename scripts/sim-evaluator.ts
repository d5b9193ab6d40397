// `npm run sim:evaluator -- --port PATH --protocol ft12 --address 3`
//
// Plays an evaluator on a real serial path (a USB adapter, or one end of a
// socat pty pair whose other end the counter opens). The device logic is
// sim/evaluator/simulator.ts; this is its command line. Type a
// digit 1–5 and Enter to press that level (5 非常满意 … 1 非常不满意);
// `3:4` presses 4 on address 3; `s` shows the devices; `q` quits. It waits
// for the path to appear when it starts, and exits when its line goes away
// (socat ended, cable pulled: exit code 1) or its standard input closes
// (end of input, or the parent that typed into it is gone: exit code 0), so
// it never outlives what drives it. Start a new one to plug a device in again.
//
//   socat pty,raw,echo=0,link=/tmp/halldesk/evaluator pty,raw,echo=0,link=/tmp/halldesk/evaluator-device
//   node scripts/sim-evaluator.ts --port /tmp/halldesk/evaluator-device --address 3
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openSerialPort, type BytePort } from '../main/devices/serial-line.ts';
import { isRatingLevel, RATING_LEVEL_NAMES } from '../main/devices/evaluator/levels.ts';
import { EvaluatorSimulator } from '../sim/evaluator/simulator.ts';
import { createSeededRandom } from '../sim/seeded-random.ts';
import { watchLinePath } from '../sim/line-watch.ts';

const usage = `用法：node scripts/sim-evaluator.ts --port 串口路径 [选项]
  --protocol ft12|ascii-keypad   协议（默认 ft12）
  --address 3[,4…]               ft12 地址，可多个（默认 1）
  --model 1 --fw 1.2             PING 应答中的型号与固件版本
  --baud 9600                    波特率
  --corrupt-rate 0.1             按比例损坏发出的帧（改错一个字节）
  --drop-rate 0.1                按比例丢弃发出的帧
  --noise-rate 0.1               按比例在帧前插入噪声字节
  --split                        每帧分 2–3 段发出
  --no-ack-needed                评价结果只发一次，不等待确认
  --ignore-ack                   收到确认后仍重发满 5 次
  --seed N                       随机数种子（可重复的故障）
输入：1–5 回车 = 按下该等级；3:4 = 地址 3 按 4；s = 状态；q = 退出
串口断开（退出码 1）或标准输入关闭（退出码 0）时模拟器退出`;

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      protocol: { type: 'string', default: 'ft12' },
      address: { type: 'string', default: '1' },
      model: { type: 'string', default: '1' },
      fw: { type: 'string', default: '1.2' },
      baud: { type: 'string', default: '9600' },
      'corrupt-rate': { type: 'string', default: '0' },
      'drop-rate': { type: 'string', default: '0' },
      'noise-rate': { type: 'string', default: '0' },
      split: { type: 'boolean', default: false },
      'no-ack-needed': { type: 'boolean', default: false },
      'ignore-ack': { type: 'boolean', default: false },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}
try {
  args = parse();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
}
if (args.help || !args.port) {
  console.log(usage);
  process.exit(args.help ? 0 : 2);
}

const fail = (message: string): never => {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
};
const rate = (name: string, value: string) => {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : fail(`--${name} 应为 0–1 之间的小数`);
};
const protocol =
  args.protocol === 'ft12' || args.protocol === 'ascii-keypad'
    ? args.protocol
    : fail('--protocol 应为 ft12 或 ascii-keypad');
const addresses = args.address.split(',').map((a) => Number(a.trim()));
if (addresses.some((a) => !Number.isInteger(a) || a < 1 || a > 250))
  fail('--address 应为 1–250 的整数，多个用逗号分隔');
const [fwMajor, fwMinor] = args.fw.split('.').map(Number);
const path = args.port;
const baudRate = Number(args.baud);

const stamp = () => new Date().toISOString().slice(11, 23);
const print = (line: string) => process.stdout.write(`${stamp()} ${line}\n`);

const simulator = new EvaluatorSimulator({
  protocol,
  addresses,
  model: Number(args.model),
  firmware: { major: fwMajor ?? 1, minor: fwMinor ?? 0 },
  corruptRate: rate('corrupt-rate', args['corrupt-rate']),
  dropRate: rate('drop-rate', args['drop-rate']),
  noiseRate: rate('noise-rate', args['noise-rate']),
  splitWrites: args.split,
  ackNeeded: !args['no-ack-needed'],
  ignoreAck: args['ignore-ack'],
  random: args.seed !== undefined ? createSeededRandom(Number(args.seed)) : Math.random,
  log: print,
});

let port: BytePort | null = null;
let quitting = false;
let reopenTimer: ReturnType<typeof setTimeout> | null = null;
let lastOpenError = '';

async function connect(): Promise<void> {
  reopenTimer = null;
  if (quitting) return;
  try {
    port = await openSerialPort({ path, baudRate });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== lastOpenError) print(`无法打开串口 ${path}：${message}（每秒重试）`);
    lastOpenError = message;
    reopenTimer = setTimeout(connect, 1000);
    return;
  }
  lastOpenError = '';
  const opened = port;
  opened.onClose((closed) => {
    port = null;
    if (closed.requested || quitting) return;
    print(`串口 ${path} 已断开${closed.error ? `：${closed.error.message}` : ''}，模拟器退出`);
    void quit(1);
  });
  simulator.attach(opened);
  watchLinePath(path, () => {
    if (quitting || port !== opened) return;
    print(`串口 ${path} 已断开，模拟器退出`);
    void quit(1);
  });
  print(
    `评价器模拟器就绪：${path}，${protocol}${protocol === 'ft12' ? `，地址 ${addresses.join('、')}` : ''}。输入 1–5 回车按键，q 退出`,
  );
}

async function quit(code = 0): Promise<void> {
  if (quitting) return;
  quitting = true;
  if (reopenTimer) clearTimeout(reopenTimer);
  simulator.stop();
  // Closing a line whose other end is gone can hang; exiting must not.
  await Promise.race([port?.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  process.exit(code);
}

const input = createInterface({ input: process.stdin });
input.on('line', (raw) => {
  const line = raw.trim();
  if (line === '') return;
  if (line === 'q') return void quit();
  if (line === 's') {
    for (const address of protocol === 'ft12' ? addresses : [0]) {
      const d = simulator.device(address);
      print(
        `[地址 ${address}] 状态 ${d.state}，${d.identity ? `工号 ${d.identity.staffNumber} ${d.identity.name}` : '未显示工作人员'}，${
          d.session
            ? `评价中：会话 ${d.session.sessionId}${d.session.pressed ? `，已按 ${d.session.pressed}` : ''}`
            : '无评价会话'
        }`,
      );
    }
    return;
  }
  const match = /^(?:(\d+):)?([1-5])$/.exec(line);
  const level = match ? Number(match[2]) : NaN;
  if (!match || !isRatingLevel(level)) {
    print(
      `看不懂「${line}」：输入 1–5（5 ${RATING_LEVEL_NAMES[5]} … 1 ${RATING_LEVEL_NAMES[1]}），或 地址:等级，s 状态，q 退出`,
    );
    return;
  }
  if (!simulator.attached) print('串口未接入：按键已忽略');
  else simulator.press(level, match[1] ? Number(match[1]) : undefined);
});
input.on('close', () => {
  if (quitting) return;
  print('标准输入已关闭，模拟器退出');
  void quit(0);
});
process.on('SIGINT', () => void quit());
process.on('SIGTERM', () => void quit());

await connect();
