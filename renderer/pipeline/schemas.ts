/** The component schemas as the forms and the add menus read them. */
import type { ComponentKind } from '../../electron/engine/template/model';
import { META_FIELDS, getSchema, kilnTypes } from '../../electron/engine/template/schema/index';
import type { ComponentSchema, FieldMap } from '../../electron/engine/template/schema/types';

export const schemas = {
  component(
    kind: ComponentKind,
    type: string,
  ): (ComponentSchema<unknown> & { fields: FieldMap }) | undefined {
    return getSchema(kind, type) as (ComponentSchema<unknown> & { fields: FieldMap }) | undefined;
  },
  /** The component types Kiln has for a kind, sorted. */
  types(kind: ComponentKind): string[] {
    return [...kilnTypes(kind)].sort();
  },
  /** The keys every component of a kind accepts (only, except, pause_before, ...). */
  meta(kind: ComponentKind): FieldMap {
    return META_FIELDS[kind] ?? {};
  },
};
