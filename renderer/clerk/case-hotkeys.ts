// The 办件 hotkeys (case-logic.ts caseHotkey): F6 新建办件, F7 / Ctrl+K 查找事项,
// F8 办件列表, Esc 取消/返回, Alt+S/R/G/B the four decisions, Alt+Q 全部齐全,
// Alt+1…9 a material, Alt+T 个人/企业. Function keys and Alt/Ctrl combinations
// act anywhere, inside inputs too (they type nothing); bare keys never do.
// While a dialog is open the keys are left to it.
import { useEffect } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { ClerkState } from '../../common/contract.ts';
import { useCaseStoreApi } from './case-context.ts';
import { caseHotkey, formHasInput, APPLICANT_TYPE_TEXT, type CaseCommand } from './case-logic.ts';
import type { CaseStore, CaseTab } from './case-store.ts';
import { useClerkStoreApi } from './context.ts';

/** Where Esc or F8 goes back to from the list: the case in hand, else the queue. */
function backTab(cases: CaseStore): CaseTab {
  return cases.result || formHasInput(cases.form) ? 'case' : 'queue';
}

/** Opens the 办件 tab, loading the catalogue if it is not there yet. */
function showCase(cases: CaseStore) {
  cases.setTab('case');
  if (!cases.catalogue) void cases.loadCatalogue();
}

/** Runs one command; answers whether the key was used (and so should not do anything else). */
export function runCaseCommand(command: CaseCommand, store: StoreApi<CaseStore>, clerk: ClerkState): boolean {
  const cases = store.getState();
  const ticket = clerk.current?.number ?? null;
  const editable = () => {
    const item = cases.item();
    if (cases.tab !== 'case' || cases.result || !item) {
      cases.say(
        'warning',
        cases.result ? '本办件已作出决定；新建办件请按 F6' : '请先选择事项（F7 查找事项）',
      );
      return null;
    }
    return item;
  };
  switch (command.kind) {
    case 'newCase':
      showCase(cases);
      if (cases.result || !formHasInput(cases.form)) {
        cases.newCase(ticket);
      } else {
        cases.say('info', '当前办件尚未作出决定，可继续办理或更换事项；如需放弃请按 Esc');
      }
      store.getState().requestFocus('search');
      return true;
    case 'findItem':
      showCase(cases);
      if (cases.result) cases.newCase(ticket);
      store.getState().requestFocus('search');
      return true;
    case 'caseList':
      if (cases.tab === 'list') {
        cases.setTab(backTab(cases));
      } else {
        cases.setTab('list');
        void cases.refreshList();
      }
      return true;
    case 'cancel':
      if (cases.tab === 'list') {
        cases.setTab(backTab(cases));
        return true;
      }
      if (cases.tab !== 'case') return false;
      if (cases.result) {
        cases.newCase(ticket);
        cases.setTab('queue');
      } else if (formHasInput(cases.form)) {
        cases.openDialog('discard');
      } else {
        cases.setTab('queue');
      }
      return true;
    case 'decide':
      if (cases.tab !== 'case') showCase(cases);
      void store.getState().decide(command.decision);
      return true;
    case 'allProvided':
      if (editable()) cases.allProvided();
      return true;
    case 'toggleMaterial': {
      const item = editable();
      if (!item) return true;
      if (command.index >= item.materials.length) {
        cases.say('warning', `本事项只有 ${item.materials.length} 项材料`);
      } else {
        cases.toggleProvided(command.index);
      }
      return true;
    }
    case 'switchApplicant': {
      const item = editable();
      if (!item) return true;
      const other = cases.form.applicant.type === 'person' ? 'enterprise' : 'person';
      if (!item.applicantTypes.includes(other)) {
        cases.say(
          'warning',
          `本事项只受理${item.applicantTypes.map((t) => APPLICANT_TYPE_TEXT[t]).join('、')}申请`,
        );
      } else {
        cases.setApplicantType(other);
        store.getState().requestFocus('applicant');
      }
      return true;
    }
  }
}

export function useCaseHotkeys() {
  const clerkStore = useClerkStoreApi();
  const caseStore = useCaseStoreApi();
  useEffect(() => {
    /** An Esc that found a dialog open: it is the dialog's, even if the dialog has closed by the time we hear it again. */
    let escForDialog: KeyboardEvent | null = null;
    const dialogOpen = () => {
      const cases = caseStore.getState();
      return cases.dialog !== null || cases.finishing !== null;
    };
    const capture = (event: KeyboardEvent) => {
      const command = caseHotkey(event);
      if (!command) return;
      // Keys pressed while an input method is composing belong to it (function keys excepted).
      if (event.isComposing && !/^F\d+$/.test(event.key)) return;
      if (command.kind === 'cancel') {
        escForDialog = dialogOpen() ? event : null;
        return; // Heard again after everything else (bubble), so an open list or dialog closes first.
      }
      const clerk = clerkStore.getState().state;
      if (!clerk?.clerk) return;
      event.preventDefault(); // F6 (address bar), F7 (caret browsing), Alt+… (menus) stay ours.
      if (event.repeat || dialogOpen()) return;
      runCaseCommand(command, caseStore, clerk);
    };
    const bubble = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || caseHotkey(event)?.kind !== 'cancel') return;
      if (event === escForDialog || event.defaultPrevented || event.isComposing || dialogOpen()) return;
      if (event.target instanceof Element && event.target.closest('[data-esc-local]')) return;
      const clerk = clerkStore.getState().state;
      if (!clerk?.clerk) return;
      if (runCaseCommand({ kind: 'cancel' }, caseStore, clerk)) event.preventDefault();
    };
    window.addEventListener('keydown', capture, { capture: true });
    window.addEventListener('keydown', bubble);
    return () => {
      window.removeEventListener('keydown', capture, { capture: true });
      window.removeEventListener('keydown', bubble);
    };
  }, [clerkStore, caseStore]);
}
