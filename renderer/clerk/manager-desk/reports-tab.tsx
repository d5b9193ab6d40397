// 统计报表's tab in the 管理台: the page (and ECharts with it) loads when the tab is first opened.
import { lazy, Suspense } from 'react';

const ReportsPage = lazy(() => import('./Reports.tsx').then((module) => ({ default: module.ReportsPage })));

export function ReportsTab() {
  return (
    <Suspense fallback={<div className="desk-empty">正在打开统计报表…</div>}>
      <ReportsPage />
    </Suspense>
  );
}
