/**
 * `validate`: everything Kiln can say about a template before building it — syntax, structure,
 * variables, and every component of every build checked by its schema.
 */
import type { TemplateHost } from './host';
import type { BuildPlan, ComponentInstance, LoadedTemplate } from './model';
import type { Diagnostic } from './source';
import { hasErrors } from './source';
import { loadTemplate, type LoadOptions } from './load';
import { prepareComponent } from './prepare';
import { decodeComponent } from './schema/index';

export interface ValidationResult {
  template: LoadedTemplate;
  diagnostics: Diagnostic[];
  valid: boolean;
}

function key(d: Diagnostic): string {
  const r = d.range;
  return `${d.severity}|${d.summary}|${d.detail}|${r ? `${r.file}:${r.start.offset}-${r.end.offset}` : ''}`;
}

function componentsOf(build: BuildPlan): ComponentInstance[] {
  return [
    build.builder,
    ...build.provisioners,
    ...(build.errorCleanupProvisioner ? [build.errorCleanupProvisioner] : []),
    ...build.postProcessors.flat(),
  ];
}

/** True when a `required_plugins` entry provides this component type (plugin `p` provides `p` and `p-*`). */
function providedByRequiredPlugin(template: LoadedTemplate, type: string): boolean {
  return (template.requiredPlugins ?? []).some((p) => type === p.name || type.startsWith(`${p.name}-`));
}

export function validateTemplate(
  path: string,
  options: LoadOptions & { collectAll?: boolean },
  host: TemplateHost,
): ValidationResult {
  const template = loadTemplate(path, options, host);
  const diagnostics = [...template.diagnostics];
  if (!options.syntaxOnly) {
    for (const build of template.builds) {
      for (const component of componentsOf(build)) {
        const prepared = prepareComponent(template, build, component, {
          host,
          collectAll: options.collectAll,
        });
        // A component of a plugin Kiln lacks is valid Packer: say it cannot be built, as a warning.
        const foreign =
          prepared.result.stage === 'lookup' &&
          (prepared.diagnostics[0]?.summary.startsWith('Unsupported ') ||
            providedByRequiredPlugin(template, component.type));
        for (const d of prepared.diagnostics) diagnostics.push(foreign ? { ...d, severity: 'warning' } : d);
      }
    }
    for (const data of template.dataSources) {
      const resolved = data.resolve({ buildName: '', buildBlockName: '', builderType: '', sourceName: '' });
      diagnostics.push(...resolved.diagnostics);
      const result = decodeComponent('data', data.type, resolved, { dialect: template.format, host });
      const foreign =
        result.stage === 'lookup' &&
        (result.diagnostics[0]?.summary.startsWith('Unsupported ') ||
          providedByRequiredPlugin(template, data.type));
      for (const d of result.diagnostics) diagnostics.push(foreign ? { ...d, severity: 'warning' } : d);
    }
  }
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const k = key(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  // In file order: the order an author reads them in.
  unique.sort((a, b) => {
    if (!a.range || !b.range) return a.range ? 1 : b.range ? -1 : 0;
    if (a.range.file !== b.range.file) return a.range.file < b.range.file ? -1 : 1;
    return a.range.start.offset - b.range.start.offset;
  });
  return { template, diagnostics: unique, valid: !hasErrors(unique) };
}
