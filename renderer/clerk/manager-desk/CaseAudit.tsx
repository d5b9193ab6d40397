// 查阅记录 (管理台 tab).
export function CaseAuditTab() {
  return <div className="desk-empty">查阅记录：管理人员查看办件详情的记录（谁、何时、从哪台终端、哪一件），只能查看，不能修改。</div>;
}
