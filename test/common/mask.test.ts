import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName, maskPhone, redactPersonalData } from '../../common/mask.ts';

describe('masking personal data', () => {
  it('keeps the first and last four characters of an ID number or credit code', () => {
    expect(maskIdNumber('32010219900307123X')).toBe('3201**********123X');
    expect(maskIdNumber('91350100M000100Y43')).toBe('9135**********0Y43');
    expect(maskIdNumber('1234567')).toBe('*******');
  });

  it('masks a mobile number in the middle and a name after its first character', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王')).toBe('王');
  });

  it('redacts IDs, credit codes and mobile numbers wherever they stand in free text', () => {
    const line = '{"id":"32010219900307123x","code":"91350100M000100Y43","tel":"13812345678","ticket":"A012"}';
    const redacted = redactPersonalData(line);
    expect(redacted).not.toContain('32010219900307123x');
    expect(redacted).not.toContain('91350100M000100Y43');
    expect(redacted).not.toContain('13812345678');
    expect(redacted).toContain('3201**********123x');
    expect(redacted).toContain('138****5678');
    expect(redacted).toContain('A012');
  });

  it('leaves ordinary numbers alone: case numbers, times, ticket numbers', () => {
    const line = 'case 20260305030010012 at 2026-03-05T10:00:00Z ticket A012 window 3';
    expect(redactPersonalData(line)).toBe(line);
  });
});
