// Wording of the outward screen.

/** 「请 A012 号到 3号窗口办理」 (DOMAIN.md). */
export function announcementText(number: string, windowName: string | null): string {
  return windowName ? `请 ${number} 号到 ${windowName}办理` : `请 ${number} 号办理`;
}
