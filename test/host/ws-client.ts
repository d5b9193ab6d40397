// A page's side of the browser host's WebSocket, for tests: calls by name,
// replies matched by id, events collected, the close code and reason kept.
import WebSocket from 'ws';
import type { Reply } from '../../common/contract.ts';

export interface HostClient {
  ws: WebSocket;
  call(name: string, args?: unknown): Promise<Reply>;
  /** Sends raw text (a frame the client library would not make from a call). */
  sendRaw(text: string): void;
  events: { name: string; payload: unknown }[];
  /** Resolves with the close code and reason when the host closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens `/ws?token=…` on the host at `origin` (with that Origin). */
export function openHostClient(origin: string, token: string, query = ''): Promise<HostClient> {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}${query}`, {
    origin,
    maxPayload: 64 * 1024 * 1024,
  });
  const pending = new Map<number, (reply: Reply) => void>();
  const events: { name: string; payload: unknown }[] = [];
  let nextId = 1;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const settle of pending.values()) settle({ ok: false, error: { code: 'INTERNAL', message: 'socket closed' } });
      pending.clear();
    }),
  );
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: number; name?: string; payload?: unknown } & Reply;
    if (message.type === 'event') events.push({ name: message.name!, payload: message.payload });
    else if (message.type === 'reply' && message.id !== undefined) {
      const { type: _type, id: _id, ...reply } = message;
      pending.get(message.id)?.(reply as Reply);
      pending.delete(message.id);
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.on('error', () => {});
      resolve({
        ws,
        events,
        closed,
        call(name, args = {}) {
          const id = nextId++;
          return new Promise<Reply>((settle) => {
            pending.set(id, settle);
            ws.send(JSON.stringify({ type: 'call', id, name, args }));
          });
        },
        sendRaw: (text) => ws.send(text),
        close: () => ws.close(),
      });
    });
  });
}
