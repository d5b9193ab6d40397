// 办件查询 (管理台 tab).
export function CaseSearchTab() {
  return <div className="desk-empty">办件查询：按办件编号、申请人证件号码、事项、状态、窗口、工作人员、日期查询全大厅的办件。</div>;
}
