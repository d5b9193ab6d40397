// The counter ⇄ hall server protocol (../shared/protocols/sync.md), described
// once: the server routes by this table, the counter's client calls by it, and
// the OpenAPI document is generated from it. Nothing here does I/O.
import { z } from 'zod';
import { ApiError } from './errors.ts';
import { ConfigChange, HallWindow, LineId, LineQueue, Priority, Staff, Ticket } from './model.ts';

export const API_VERSION = '1.0.0';

/** Who may call a route: nobody special, an enrolled device, or the hall admin. */
export type RouteAuth = 'none' | 'device' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST';
  /** Path with `{param}` placeholders. */
  path: string;
  summary: string;
  auth: RouteAuth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Headers the route requires (besides Authorization). */
  headers?: Record<string, string>;
  response: z.ZodType;
  /** Text/event-stream instead of JSON. */
  stream?: boolean;
}

const WindowParams = z.object({ id: z.coerce.number().int().positive() });

export const Health = z.object({ ok: z.literal(true), serverTime: z.string(), version: z.string() });

export const EnrollmentCodeRequest = z.object({
  role: z.enum(['counter', 'kiosk']),
  windowId: z.number().int().positive().nullable(),
});
export const EnrollmentCode = z.object({ code: z.string().regex(/^\d{8}$/), expiresAt: z.string() });

export const EnrollRequest = z.object({
  code: z.string().regex(/^\d{8}$/, '注册码应为 8 位数字'),
  deviceName: z.string().min(1).max(64),
});
export const Enrollment = z.object({
  deviceId: z.string().min(1),
  /** Small number unique in the hall, given at enrollment; part of offline-made case numbers. */
  deviceNo: z.number().int().positive().max(999),
  token: z.string().min(32),
  role: z.enum(['counter', 'kiosk']),
  windowId: z.number().int().positive().nullable(),
});
export type Enrollment = z.infer<typeof Enrollment>;

export const SignInRequest = z.object({
  staffNo: z.string().min(1, '请输入工号').max(32),
  password: z.string().min(1, '请输入密码').max(128),
});
export const SignInResult = z.object({ staff: Staff, signedInAt: z.string() });

export const PullQuery = z.object({
  stream: z.enum(['config']),
  cursor: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(1000).default(500),
});
export const PullResult = z.object({
  changes: z.array(z.object({ version: z.number().int().positive(), change: ConfigChange })),
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
});
export type PullResult = z.infer<typeof PullResult>;

export const IssueTicketRequest = z.object({ lineId: LineId, priority: Priority.default('normal') });
export const IssuedTicket = z.object({ ticket: Ticket, ahead: z.number().int().nonnegative() });

export const QueueSummary = z.object({ version: z.number().int().nonnegative(), lines: z.array(LineQueue) });
export type QueueSummary = z.infer<typeof QueueSummary>;

export const WindowStatus = z.object({
  window: HallWindow,
  current: Ticket.nullable(),
  clerk: Staff.nullable(),
});
export type WindowStatus = z.infer<typeof WindowStatus>;

export const CallNextResult = z.object({ ticket: Ticket.nullable() });
export const TicketResult = z.object({ ticket: Ticket });

/** Live events (SSE `data:` lines). Only a hint to pull or refresh. */
export const HallEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number().int() }),
  z.object({ type: z.literal('queue'), version: z.number().int() }),
  z.object({ type: z.literal('config'), version: z.number().int() }),
  z.object({ type: z.literal('window'), windowId: z.number().int(), version: z.number().int() }),
]);
export type HallEvent = z.infer<typeof HallEvent>;

const idempotency = { 'Idempotency-Key': 'A unique key per intended call; a retry with the same key returns the same answer.' };

export const routes = {
  health: { method: 'GET', path: '/v1/health', summary: '服务器状态', auth: 'none', response: Health },
  createEnrollmentCode: {
    method: 'POST',
    path: '/v1/admin/enrollment-codes',
    summary: '生成一次性设备注册码（管理员）',
    auth: 'admin',
    body: EnrollmentCodeRequest,
    response: EnrollmentCode,
  },
  enroll: {
    method: 'POST',
    path: '/v1/devices/enroll',
    summary: '用一次性注册码注册设备',
    auth: 'none',
    body: EnrollRequest,
    response: Enrollment,
  },
  signIn: {
    method: 'POST',
    path: '/v1/auth/sign-in',
    summary: '窗口人员登录（绑定到本设备的窗口）',
    auth: 'device',
    body: SignInRequest,
    response: SignInResult,
  },
  signOut: {
    method: 'POST',
    path: '/v1/auth/sign-out',
    summary: '窗口人员退出',
    auth: 'device',
    response: z.object({ ok: z.literal(true) }),
  },
  pull: {
    method: 'GET',
    path: '/v1/sync/pull',
    summary: '按提交版本游标拉取变更',
    auth: 'device',
    query: PullQuery,
    response: PullResult,
  },
  issueTicket: {
    method: 'POST',
    path: '/v1/tickets',
    summary: '取号（取号机）',
    auth: 'device',
    body: IssueTicketRequest,
    response: IssuedTicket,
  },
  queueSummary: {
    method: 'GET',
    path: '/v1/queue/summary',
    summary: '各业务类型等候人数',
    auth: 'device',
    response: QueueSummary,
  },
  windowStatus: {
    method: 'GET',
    path: '/v1/windows/{id}/state',
    summary: '窗口当前状态',
    auth: 'device',
    params: WindowParams,
    response: WindowStatus,
  },
  callNext: {
    method: 'POST',
    path: '/v1/windows/{id}/call-next',
    summary: '叫号：取本窗口最优先的等候号（并结束当前号）',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    response: CallNextResult,
  },
  recall: {
    method: 'POST',
    path: '/v1/windows/{id}/recall',
    summary: '重呼当前号',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  noShow: {
    method: 'POST',
    path: '/v1/windows/{id}/no-show',
    summary: '过号：当前号未到',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  complete: {
    method: 'POST',
    path: '/v1/windows/{id}/complete',
    summary: '办结当前号',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  events: {
    method: 'GET',
    path: '/v1/events',
    summary: '实时事件（SSE），仅提示客户端刷新',
    auth: 'device',
    response: HallEvent,
    stream: true,
  },
  openapi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: '本文档',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof routes;
export type RouteResponse<N extends RouteName> = z.infer<(typeof routes)[N]['response']>;

/** Fills `{param}` placeholders: pathFor('/v1/windows/{id}/recall', { id: 3 }). */
export function pathFor(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`missing path parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

/** The OpenAPI 3.1 document for every route above. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  for (const [name, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      for (const [key, field] of Object.entries(schema.shape)) {
        parameters.push({ name: key, in: where, required: where === 'path', schema: json(field as z.ZodType) });
      }
    }
    for (const [header, description] of Object.entries(spec.headers ?? {})) {
      parameters.push({ name: header, in: 'header', required: true, description, schema: { type: 'string' } });
    }
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: spec.summary,
      parameters,
      security: spec.auth === 'none' ? [] : [{ [spec.auth]: [] }],
      responses: {
        '200': {
          description: 'OK',
          content: { [spec.stream ? 'text/event-stream' : 'application/json']: { schema: json(spec.response) } },
        },
        default: { description: '错误', content: { 'application/json': { schema: json(ApiError) } } },
      },
    };
    if (spec.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: json(spec.body) } } };
    }
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'HallDesk 大厅服务器接口', version: API_VERSION },
    components: {
      securitySchemes: {
        device: { type: 'http', scheme: 'bearer', description: '设备令牌（注册时获得）' },
        admin: { type: 'http', scheme: 'bearer', description: '大厅管理员令牌（服务器启动时给出）' },
      },
    },
    paths,
  };
}
