// Many halls on one hall server (a city's 市民中心, district centres and street
// offices on one back end). Each hall is named by a code, e.g. `futian`, and
// keeps everything apart from the others by construction:
//   - its address:  http://server:8720/halls/<code>/… (a counter's server
//     address is that prefix; every route, stream and public page lies below it);
//   - its data:     on PostgreSQL the schema hall_<code> of HALL_DATABASE_URL's
//     database, on SQLite the file <data>/halls/<code>/hall.sqlite — every row
//     of a hall is in its hall's schema or file, so a device token, a staff
//     number, a ticket or a case of one hall is simply not there for another;
//   - its secrets:  <data>/halls/<code>/admin-token and applicant-key;
//   - its events:   a NOTIFY channel of its own (server/event-bus.ts).
// Without --halls the server is the one hall it always was, at the root.
import { join } from 'node:path';

/** Lowercase letters and digits, hyphens inside: a path segment, a folder name and (hall_…) a schema name. */
const HALL_CODE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Where the halls' addresses start: /halls/<code>/… */
export const HALLS_PATH = '/halls/';

export class HallCodesError extends Error {}

/**
 * `--halls futian,luohu` (or HALL_CODES): the codes, each once. Absent → null
 * (one hall at the root).
 */
export function parseHallCodes(text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === '') return null;
  const codes = text.split(',').map((code) => checkHallCode(code.trim()));
  const repeated = codes.find((code, i) => codes.indexOf(code) !== i);
  if (repeated !== undefined) throw new HallCodesError(`大厅代码 ${repeated} 重复出现`);
  return codes;
}

/** One hall's code, checked (and the commands' --hall). */
export function checkHallCode(code: string): string {
  if (HALL_CODE.test(code)) return code;
  throw new HallCodesError(
    `大厅代码「${code.slice(0, 40)}」不正确：只能用小写字母、数字和连字符（-），不以连字符开头或结尾，最长 32 个字符，如 futian、district-3`,
  );
}

/** The hall's schema on PostgreSQL: hall_<code>, hyphens as underscores (codes have no underscore, so no two meet). */
export function hallSchemaOf(code: string): string {
  return `hall_${code.replaceAll('-', '_')}`;
}

/** The hall's own folder in the server's data folder. */
export function hallFolderOf(dataDir: string, code: string): string {
  return join(dataDir, 'halls', code);
}

/** The path of a hall's requests: `/halls/<code>`; its routes follow. */
export function hallPathOf(code: string): string {
  return `${HALLS_PATH}${code}`;
}

/**
 * Which hall a request path is for, and the path below it:
 * `/halls/futian/v1/health` → { code: 'futian', rest: '/v1/health' }. Null when
 * the path is not below /halls/.
 */
export function splitHallPath(pathname: string): { code: string; rest: string } | null {
  if (!pathname.startsWith(HALLS_PATH)) return null;
  const slash = pathname.indexOf('/', HALLS_PATH.length);
  return slash < 0
    ? { code: pathname.slice(HALLS_PATH.length), rest: '/' }
    : { code: pathname.slice(HALLS_PATH.length, slash), rest: pathname.slice(slash) };
}
