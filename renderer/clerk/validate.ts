// Inline checks of the enrolment and sign-in forms, worded like the contract's
// own schemas (common/contract.ts); a unit test keeps the two in agreement.
// Each returns the zh-CN problem, or null when the value is acceptable.

export function checkServerUrl(value: string): string | null {
  const text = value.trim();
  if (!text) return '请输入大厅服务器地址';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '服务器地址格式不正确，例如 http://192.168.1.10:8080';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '服务器地址应以 http:// 或 https:// 开头';
  if (!url.hostname) return '服务器地址格式不正确，例如 http://192.168.1.10:8080';
  return null;
}

export function checkEnrollCode(value: string): string | null {
  const text = value.trim();
  if (!text) return '请输入注册码';
  if (!/^\d{8}$/.test(text)) return '注册码应为 8 位数字';
  return null;
}

export function checkStaffNo(value: string): string | null {
  const text = value.trim();
  if (!text) return '请输入工号';
  if (text.length > 32) return '工号过长';
  return null;
}

export function checkPassword(value: string): string | null {
  if (!value) return '请输入密码';
  if (value.length > 128) return '密码过长';
  return null;
}
