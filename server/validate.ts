// Input validation with zod's zh-CN messages: whoever sent the input reads
// Chinese. A schema's own message (e.g. 「注册码应为 8 位数字」) still wins.
import { z } from 'zod';

const zhCN = z.locales.zhCN();

export function parseWithZhMessages<S extends z.ZodType>(
  schema: S,
  input: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(input, { error: zhCN.localeError });
}
