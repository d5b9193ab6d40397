// The window's evaluator as configured (设备设置, or the launcher's environment
// variables) and the driver built from it on a real serial line.
import type { KeyMap } from '../devices/evaluator/ascii-keypad.ts';
import { EvaluatorDriver, type EvaluatorProtocol } from '../devices/evaluator/driver.ts';
import { openSerialPort } from '../devices/serial-line.ts';
import type { Logger } from '../log.ts';

/** The window's evaluator as configured (设备设置, or environment variables from the launcher). */
export interface EvaluatorConfig {
  /** Serial path, e.g. /dev/ttyUSB0, COM3, or a socat pty link. */
  port: string;
  protocol: EvaluatorProtocol;
  /** ft12 device address (1–250); ignored for an ascii keypad. */
  address: number;
  baudRate?: number;
  /** ascii-keypad: key byte → level; default '1'…'5'. */
  keyMap?: KeyMap;
}

/**
 * HALLDESK_EVALUATOR_PORT / _PROTOCOL (ft12 | ascii-keypad, default ft12) /
 * _ADDRESS (default 1). No port: no evaluator. Throws a zh-CN message on a bad value.
 */
export function evaluatorConfigFromEnv(env: Record<string, string | undefined>): EvaluatorConfig | null {
  const port = env.HALLDESK_EVALUATOR_PORT?.trim();
  if (!port) return null;
  const protocol = env.HALLDESK_EVALUATOR_PROTOCOL?.trim() || 'ft12';
  if (protocol !== 'ft12' && protocol !== 'ascii-keypad') {
    throw new Error(`HALLDESK_EVALUATOR_PROTOCOL 应为 ft12 或 ascii-keypad，收到「${protocol}」`);
  }
  const addressText = env.HALLDESK_EVALUATOR_ADDRESS?.trim() || '1';
  const address = Number(addressText);
  if (!Number.isInteger(address) || address < 1 || address > 250) {
    throw new Error(`HALLDESK_EVALUATOR_ADDRESS 应为 1–250 的整数，收到「${addressText}」`);
  }
  return { port, protocol, address };
}

/**
 * The driver for a configured evaluator on a real serial line. `path` says
 * where to open at each (re)connect attempt — a known USB device followed to
 * another path after a replug; default: the configured port.
 */
export function evaluatorFromConfig(
  config: EvaluatorConfig,
  log: Logger,
  path: () => string = () => config.port,
): { driver: EvaluatorDriver; address: number } {
  const driver = new EvaluatorDriver({
    open: () => {
      const at = path();
      return openSerialPort(config.baudRate ? { path: at, baudRate: config.baudRate } : { path: at });
    },
    name: config.port,
    protocol: config.protocol,
    addresses: [config.address],
    ...(config.keyMap ? { keyMap: config.keyMap } : {}),
    logger: log,
  });
  return { driver, address: config.protocol === 'ft12' ? config.address : 0 };
}
