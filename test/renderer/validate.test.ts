// The forms' inline checks must accept exactly what the contract accepts.
import { describe, expect, it } from 'vitest';
import { calls } from '../../common/contract.ts';
import {
  checkEnrollCode,
  checkPassword,
  checkServerUrl,
  checkStaffNo,
} from '../../renderer/clerk/validate.ts';

const agree = (
  check: (v: string) => string | null,
  schema: { safeParse(v: unknown): { success: boolean } },
  samples: string[],
) => {
  for (const sample of samples) {
    expect({ sample, ok: check(sample) === null }).toEqual({ sample, ok: schema.safeParse(sample).success });
  }
};

describe('enrolment and sign-in checks', () => {
  const enroll = calls.enroll.args.shape;
  const signIn = calls.signIn.args.shape;

  it('server URL', () => {
    agree(checkServerUrl, enroll.serverUrl, [
      'http://192.168.1.10:8080',
      'https://hall.example.gov.cn',
      'http://localhost:4000/',
      'ftp://192.168.1.10',
      'file:///etc/passwd',
      '192.168.1.10:8080',
      'not a url',
      '',
    ]);
    expect(checkServerUrl('')).toBe('请输入大厅服务器地址');
    expect(checkServerUrl('ftp://x')).toBe('服务器地址应以 http:// 或 https:// 开头');
  });

  it('enrolment code', () => {
    agree(checkEnrollCode, enroll.code, [
      '12345678',
      '1234567',
      '123456789',
      '1234567a',
      '',
      '１２３４５６７８',
    ]);
    expect(checkEnrollCode('123')).toBe('注册码应为 8 位数字');
  });

  it('staff number (trimmed before sending)', () => {
    agree(checkStaffNo, signIn.staffNo, ['320102017', 'A1', '', '   ', 'x'.repeat(32), 'x'.repeat(33)]);
    expect(checkStaffNo(' ')).toBe('请输入工号');
  });

  it('password', () => {
    agree(checkPassword, signIn.password, ['secret', '', ' ', 'x'.repeat(128), 'x'.repeat(129)]);
  });
});
