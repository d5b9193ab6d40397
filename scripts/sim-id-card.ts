// `npm run sim:id-card -- PATH [--card N] [--cards FILE] [--baud 115200]`
//
// Plays a second-generation ID card reader (二代证阅读器, SAM protocol) on a
// real serial path (a USB adapter, or one end of a socat pty pair whose other
// end the counter opens). The reader's logic is sim/id-card/simulator.ts;
// this is its command line. Cards come from a JSON file (default: the sample
// set sim/id-card/sample-cards.json, test identities only). Each line typed
// on standard input lays a card down (a card already there is lifted first):
// an empty line the next card of the set, `3` card 3; `bad 3` lays it with a
// damaged checksum on the first read answer, `fail 3` with one failed read
// (41), `fail2 3` with two; `lift` lifts the card; `list`, `s`, `q`.
// Answers go out no faster than the baud rate would carry them (--fast: at
// once). It waits for the path to appear, and exits when its line goes away
// (exit code 1) or standard input closes (exit code 0).
//
//   socat pty,raw,echo=0,link=/tmp/halldesk/idcard pty,raw,echo=0,link=/tmp/halldesk/idcard-device
//   npm run sim:id-card -- /tmp/halldesk/idcard-device --card 0
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openSerialPort, type BytePort } from '../main/devices/serial-line.ts';
import { loadCards, SAMPLE_CARDS_PATH, type SampleCard } from '../sim/id-card/cards.ts';
import { IdCardSimulator, type CardFaults } from '../sim/id-card/simulator.ts';
import { watchLinePath } from '../sim/line-watch.ts';

const usage = `用法：npm run sim:id-card -- 串口路径 [选项]
  --card N          启动后放下第 N 张卡（从 0 起）
  --cards 文件      卡片 JSON 文件（默认 sim/id-card/sample-cards.json，均为测试身份）
  --baud 115200     波特率（应答按此速率发出）
  --fast            应答立即发出，不按波特率限速
输入：回车 = 放下一张卡；3 = 放第 3 张卡；bad 3 = 放卡且首次读卡应答校验错；
      fail 3 = 放卡且首次读卡失败（41）；fail2 3 = 连续两次读卡失败；
      lift = 取走卡；list = 卡片列表；s = 状态；q = 退出
串口断开（退出码 1）或标准输入关闭（退出码 0）时模拟器退出`;

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      card: { type: 'string' },
      cards: { type: 'string' },
      baud: { type: 'string', default: '115200' },
      fast: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
}
try {
  args = parse();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
}
const path = args.values.port ?? args.positionals[0];
if (args.values.help || !path) {
  console.log(usage);
  process.exit(args.values.help ? 0 : 2);
}
const fail = (message: string): never => {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
};
const baudRate = Number(args.values.baud);
if (!Number.isInteger(baudRate) || baudRate < 300 || baudRate > 921_600) fail('--baud 应为 300–921600 的整数');
let cards: SampleCard[] = [];
try {
  cards = loadCards(args.values.cards ?? SAMPLE_CARDS_PATH);
} catch (error) {
  fail(`读不了卡片文件：${error instanceof Error ? error.message : String(error)}`);
}
const cardAt = (text: string | undefined): number | null => {
  const n = Number(text);
  return text !== undefined && /^\d+$/.test(text) && n < cards.length ? n : null;
};
let startCard: number | null = null;
if (args.values.card !== undefined) {
  startCard = cardAt(args.values.card);
  if (startCard === null) fail(`--card 应为 0–${cards.length - 1}`);
}

const stamp = () => new Date().toISOString().slice(11, 23);
const print = (line: string) => process.stdout.write(`${stamp()} ${line}\n`);

const simulator = new IdCardSimulator({ paceBaud: args.values.fast ? 0 : baudRate, log: print });
let next = 0;
const lay = (index: number, faults: CardFaults = {}) => {
  simulator.lay(cards[index]!, faults);
  next = (index + 1) % cards.length;
};

let port: BytePort | null = null;
let quitting = false;
let reopenTimer: ReturnType<typeof setTimeout> | null = null;
let lastOpenError = '';

async function connect(): Promise<void> {
  reopenTimer = null;
  if (quitting) return;
  try {
    port = await openSerialPort({ path: path!, baudRate });
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
  watchLinePath(path!, () => {
    if (quitting || port !== opened) return;
    print(`串口 ${path} 已断开，模拟器退出`);
    void quit(1);
  });
  print(`二代证阅读器模拟器就绪：${path}，${baudRate} 波特，${cards.length} 张卡。回车放卡，lift 取卡，q 退出`);
  if (startCard !== null) lay(startCard);
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
  if (line === 'q') return void quit();
  if (line === 'list') {
    cards.forEach((card, i) => print(`${i}：${card.label}`));
    return;
  }
  if (line === 's') {
    const { card, read } = simulator.state();
    print(card ? `卡上：${card.label}（${read ? '已读，取走再放才会再读' : '未读'}）` : '阅读器上没有卡');
    return;
  }
  if (line === 'lift' || line === 'l') return void simulator.lift();
  const match = /^(?:(bad|fail|fail2)\s*)?(\d+)?$/.exec(line);
  const index = match ? (match[2] === undefined ? next : cardAt(match[2])) : null;
  if (!match || index === null) {
    print(`看不懂「${line}」：回车放下一张卡，0–${cards.length - 1} 放该卡，bad N / fail N / fail2 N，lift，list，s，q`);
    return;
  }
  const faults: CardFaults =
    match[1] === 'bad' ? { badChecksumReads: 1 } : match[1] === 'fail' ? { failedReads: 1 } : match[1] === 'fail2' ? { failedReads: 2 } : {};
  if (!simulator.attached) print('串口未接入：卡已放下，接通后读取');
  lay(index, faults);
});
input.on('close', () => {
  if (quitting) return;
  print('标准输入已关闭，模拟器退出');
  void quit(0);
});
process.on('SIGINT', () => void quit());
process.on('SIGTERM', () => void quit());

await connect();
