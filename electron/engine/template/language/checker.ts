/**
 * The check the editor runs as the author types: Kiln's `validate` (syntax, structure, variables, and
 * every component of every build against its schema), through the editor's TemplateHost, so the editor
 * says what `kiln validate` says about the unsaved text.
 */
import { validateTemplate } from '../validate';
import type { TemplateChecker } from './service';

export const templateChecker: TemplateChecker = (entry, options, host) =>
  validateTemplate(entry, { vars: [], varFiles: options.varFiles, collectAll: true }, host).diagnostics;
