// main/log.ts: a log record's own keys (at, level, message) cannot be
// overwritten by a field of the same name — the field is kept, renamed.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../main/log.ts';

const AT = new Date(Date.UTC(2026, 2, 2, 2, 0, 0));

function logged(minLevel: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), () => AT, minLevel);
  return { log, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('a field named level, at or message never changes the record: it is kept as field.<name>', () => {
    const { log, records } = logged();
    log.info('rating stored', { sessionId: 7, level: 4, at: '1999-01-01T00:00:00.000Z', message: 'other', outcome: 'rated' });
    log.error('rating could not be stored', { level: 'debug' });
    expect(records()).toEqual([
      {
        at: AT.toISOString(),
        level: 'info',
        message: 'rating stored',
        sessionId: 7,
        'field.level': 4,
        'field.at': '1999-01-01T00:00:00.000Z',
        'field.message': 'other',
        outcome: 'rated',
      },
      { at: AT.toISOString(), level: 'error', message: 'rating could not be stored', 'field.level': 'debug' },
    ]);
  });

  it('no field is lost when a renamed one meets a field already called field.<name>', () => {
    const { log, records } = logged();
    log.warn('x', { 'field.level': 'a', level: 'b' });
    const [record] = records();
    expect(record).toMatchObject({ level: 'warn', 'field.level': 'a', 'field.field.level': 'b' });
  });

  it('keeps the level filter and redacts personal data', () => {
    const { log, records } = logged('info');
    log.debug('hidden', { a: 1 });
    log.info('citizen', { idNumber: '110101199003071234' });
    expect(records()).toHaveLength(1);
    expect(JSON.stringify(records()[0])).not.toContain('110101199003071234');
  });
});
