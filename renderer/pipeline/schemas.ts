/** The component schemas as the forms and the add menus read them. */
import type { SchemaLookup } from '../../electron/engine/template/language/schemaLookup';

// Wired to the schema registry once it lands on main.
export const schemas: SchemaLookup | undefined = undefined;
