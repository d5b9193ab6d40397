// A calm government blue, dense enough for a 1366×768 counter PC.
import type { ButtonProps, ThemeConfig } from 'antd';

export const FONT_FAMILY =
  '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Hiragino Sans GB", system-ui, sans-serif';

export const clerkTheme: ThemeConfig = {
  token: {
    colorPrimary: '#1f56a3',
    colorInfo: '#1f56a3',
    colorSuccess: '#2f8a3e',
    colorWarning: '#c27a00',
    colorError: '#c8312b',
    borderRadius: 6,
    fontSize: 15,
    fontFamily: FONT_FAMILY,
  },
  components: {
    Layout: { headerBg: '#163e78', headerHeight: 60, headerPadding: '0 20px', bodyBg: '#eef2f7' },
    Card: { headerFontSize: 16 },
  },
};

/** A button in a row of choices: antd's colour, solid for the usual next step, outlined for the others. */
export interface ButtonLook {
  color: ButtonProps['color'];
  variant: 'solid' | 'outlined';
}
