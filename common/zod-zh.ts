// Zod's own messages in Chinese, for every process that loads common/errors.ts
// (the counter core, the renderer, the hall server): a message that travels
// to a clerk — 参数不正确：… over the bridge, a hall server's 400 — never
// arrives in English. Schemas with their own message ('请输入工号') keep it.
//
// Based on zod's zh-CN locale, whose wording leaves the type names and the
// kind of value in English ("期望 string，实际接收 number", "期望 string >=1
// 字符"); those few kinds are said here in full, the rest are zh-CN's.
import { z } from 'zod';

const zhCN = z.locales.zhCN().localeError;

const TYPE_NAME: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  bigint: '整数',
  boolean: '是/否值',
  object: '对象',
  array: '列表',
  tuple: '列表',
  record: '对象',
  map: '映射',
  set: '集合',
  date: '日期',
  file: '文件',
  function: '函数',
  symbol: '符号',
  null: '空值（null）',
  undefined: '空（未填写）',
  nan: '非数字（NaN）',
};

const typeName = (type: string): string => TYPE_NAME[type] ?? type;

function typeOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && Number.isNaN(input)) return 'nan';
  return typeof input;
}

const text = (value: unknown): string => (typeof value === 'string' ? `「${value}」` : String(value));

/** How big, per kind of value: 个字符 for text, 项 for lists. */
function sized(origin: string | undefined, bound: number | bigint | Date, inclusive: boolean | undefined, small: boolean) {
  const n = bound instanceof Date ? bound.toISOString() : String(bound);
  if (origin === 'string') return small ? (n === '1' ? '不能为空' : `至少 ${n} 个字符`) : `最多 ${n} 个字符`;
  if (origin === 'array' || origin === 'set') return small ? `至少 ${n} 项` : `最多 ${n} 项`;
  if (small) return inclusive ? `不能小于 ${n}` : `应大于 ${n}`;
  return inclusive ? `不能大于 ${n}` : `应小于 ${n}`;
}

export const zhErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `缺少此项（应为${typeName(issue.expected)}）`;
      if (issue.expected === 'int' && typeof issue.input === 'number') return `应为整数，收到的是 ${issue.input}`;
      return `应为${typeName(issue.expected)}，收到的是${typeName(typeOf(issue.input))}`;
    case 'too_small':
      return sized(issue.origin, issue.minimum, issue.inclusive, true);
    case 'too_big':
      return sized(issue.origin, issue.maximum, issue.inclusive, false);
    case 'invalid_value':
      return issue.values.length === 1
        ? `应为 ${text(issue.values[0])}`
        : `应为以下之一：${issue.values.map(text).join('、')}`;
    case 'unrecognized_keys':
      return `不认识的字段：${issue.keys.join('、')}`;
    case 'invalid_union':
      return '格式不正确';
    case 'invalid_format':
      if (issue.format === 'regex') return '格式不正确';
      return zhCN?.(issue);
    default:
      return zhCN?.(issue);
  }
};

z.config({ localeError: zhErrorMap });
