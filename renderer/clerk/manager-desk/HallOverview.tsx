// 大厅总览 (管理台 tab).
export function HallOverviewTab() {
  return <div className="desk-empty">大厅总览：各窗口的服务状态、各业务的等候情况与提醒将显示在这里。</div>;
}
