// How a case's materials (申请材料) read in Chinese, on the screen and on
// paper alike: the 一次性告知书 preview (renderer/clerk) and the printed notice
// (main/devices/printer/templates.ts) both take their rows from here, so the
// paper says exactly what the screen showed. Pure, no zod: the renderer
// bundles it.
import type { Material } from './model.ts';

export const MATERIAL_FORM_TEXT: Record<Material['form'], string> = {
  original: '原件',
  copy: '复印件',
  original_and_copy: '原件及复印件',
};

/** 形式及份数: "原件 1 份" / "复印件 2 份" / "原件及复印件 各 1 份". */
export function materialFormText(material: Pick<Material, 'form' | 'count'>): string {
  const form = MATERIAL_FORM_TEXT[material.form];
  return material.form === 'original_and_copy'
    ? `${form} 各 ${material.count} 份`
    : `${form} ${material.count} 份`;
}

/** What a row says when the catalogue has no more to say. */
export const NOTICE_FORM_UNKNOWN = '按事项办事指南';
export const NOTICE_REQUIREMENT_NONE = '按事项办事指南提交';

/** One row of the 一次性告知书's material list. */
export interface NoticeMaterialRow {
  /** 1, 2, … in the item's order. */
  index: number;
  name: string;
  /** 形式及份数, e.g. "原件及复印件 各 1 份". */
  form: string;
  /** 要求, never empty. */
  requirement: string;
  waivable: boolean;
}

/**
 * The rows of a 一次性告知书: every missing material in order, with its 形式及
 * 份数 from the item's materials (by name; `materials` null when the item is
 * not in the catalogue) and its requirement.
 */
export function noticeMaterials(
  materials: readonly Material[] | null,
  missing: readonly { name: string; requirement: string; waivable?: boolean }[],
): NoticeMaterialRow[] {
  const byName = new Map((materials ?? []).map((m) => [m.name, m]));
  return missing.map((m, i) => {
    const material = byName.get(m.name);
    return {
      index: i + 1,
      name: m.name,
      form: material ? materialFormText(material) : NOTICE_FORM_UNKNOWN,
      requirement: m.requirement.trim() || NOTICE_REQUIREMENT_NONE,
      waivable: m.waivable === true,
    };
  });
}
