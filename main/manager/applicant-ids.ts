// The applicants' ID numbers that go up beside a push (issue 17, point 3;
// docs/architecture.md, 办件查询): for each case.decided record in the batch,
// the applicant's ID number from this counter's own case record, so that the
// hall server can keep its keyed hash for 办件查询. Not part of the record
// (the chain and the server's stored copy hold the masked applicant only); a
// case whose personal data retention already purged sends none.
import type { ApplicantIdSidecar } from '../../common/case-search.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import type { Db } from '../store/database.ts';

export function applicantIdSource(db: Db): (batch: readonly { name: string; args: unknown }[]) => ApplicantIdSidecar[] {
  const select = db.prepare('SELECT applicant_json FROM cases WHERE case_no = ? AND purged_at IS NULL');
  return (batch) => {
    const found: ApplicantIdSidecar[] = [];
    for (const entry of batch) {
      if (entry.name !== CASE_DECIDED) continue;
      const caseNo = (entry.args as { caseNo?: unknown }).caseNo;
      if (typeof caseNo !== 'string') continue;
      const row = select.get(caseNo) as { applicant_json: string } | undefined;
      if (!row) continue;
      const idNumber = (JSON.parse(row.applicant_json) as { idNumber?: unknown }).idNumber;
      if (typeof idNumber === 'string' && idNumber.length > 0 && idNumber.length <= 18) found.push({ caseNo, idNumber });
    }
    return found;
  };
}
