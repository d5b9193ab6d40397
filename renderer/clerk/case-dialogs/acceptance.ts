// What 受理 / 容缺受理 confirm (AcceptDialog.tsx, and InstantDialog.tsx for
// an instant case): which of the two, who applies, and what is still owed.
import { useCases } from '../case-context.ts';
import { toApplicant } from '../case-logic.ts';

export function useAcceptance() {
  const dialog = useCases((s) => s.dialog);
  const view = useCases((s) => s.view);
  const applicant = useCases((s) => s.form.applicant);
  const a = toApplicant(applicant);
  const decision: 'accept' | 'accept_with_missing' =
    dialog === 'accept_with_missing' ? 'accept_with_missing' : 'accept';
  return {
    decision,
    view,
    applicantLine:
      a.type === 'person' ? `${a.name}（身份证 ${a.idNumber}）` : `${a.name}（信用代码 ${a.creditCode}）`,
    owed: decision === 'accept_with_missing' ? (view?.missing ?? []) : [],
  };
}
