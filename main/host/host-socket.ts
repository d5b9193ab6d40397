// The browser host's WebSocket class: the `ws` socket, except that when the
// library itself closes a connection for a bad frame (too big, not UTF-8, not
// the protocol) the close frame carries a Chinese reason instead of none.
// `ws` closes with only a code there (receiverOnError → close(code)); this
// fills in the reason for those codes. A reason must stay within 123 bytes.
import { WebSocket } from 'ws';
import { WIRE_MESSAGE_MAX_BYTES } from '../../common/contract.ts';

const limitText = `${WIRE_MESSAGE_MAX_BYTES / (1024 * 1024)} MiB`;

/** Close codes `ws` uses for a frame it refuses, with what the page is told. */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  1002: '消息不符合 WebSocket 协议，连接已关闭',
  1007: '消息不是有效的 UTF-8 文本，连接已关闭',
  1009: `消息超过 ${limitText} 上限，连接已关闭`,
};

export class HostSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data ?? (code === undefined ? undefined : CLOSE_REASONS[code]));
  }
}
