// The ID card reader a launcher names in the environment (Electron shell):
// HALLDESK_ID_CARD_PORT=/dev/ttyACM0, HALLDESK_ID_CARD_BAUD=115200 (optional).
// 设备设置 (a manager) or the hall's setup win over it.
import { DEFAULT_ID_CARD_BAUD, IdCardReaderSetupSchema, type IdCardReaderSetup } from '../../common/id-card.ts';

/** Null when no port is named; throws a zh-CN error on a bad baud rate or port. */
export function idCardReaderFromEnv(env: NodeJS.ProcessEnv): IdCardReaderSetup | null {
  const port = env.HALLDESK_ID_CARD_PORT?.trim();
  if (!port) return null;
  const baudRate = env.HALLDESK_ID_CARD_BAUD ? Number(env.HALLDESK_ID_CARD_BAUD) : DEFAULT_ID_CARD_BAUD;
  const parsed = IdCardReaderSetupSchema.safeParse({ port, baudRate });
  if (!parsed.success) throw new Error(`HALLDESK_ID_CARD_PORT / HALLDESK_ID_CARD_BAUD 无效：波特率应为 300–921600 的整数，串口路径不超过 200 个字符`);
  return parsed.data;
}
