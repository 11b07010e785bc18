/**
 * A component's config for one build, as the component receives it: resolved from the template (HCL
 * evaluated with the build's values), then rendered (`{{ }}`), decoded, defaulted and checked by its
 * schema. `validate` runs this with the build values unknown; the build engine runs it with the real ones.
 */
import type { TemplateHost } from './host';
import type { BuildPlan, ComponentInstance, LoadedTemplate } from './model';
import type { Diagnostic } from './source';
import { decodeComponent, type DecodeResult } from './schema/index';
import type { RenderFn } from './schema/index';
import { InterpolationError, render, type InterpolationContext } from './gotemplate/interpolate';
import { placeholderBuildData } from './gotemplate/interpolate';
import { jsonComponentContext, type LoadedJsonTemplate } from './json/load';

export interface PrepareOptions {
  host: TemplateHost;
  /** Packer's generated data once the build runs (Host, Port, SSHPublicKey, ...); absent at validate time. */
  generated?: Record<string, string>;
  /** `-force`. */
  force?: boolean;
  /** Report every problem instead of stopping where Packer stops (the editor wants them all). */
  collectAll?: boolean;
}

export interface PreparedComponent {
  result: DecodeResult<unknown>;
  /** Problems resolving the config (HCL evaluation) followed by the schema's. */
  diagnostics: Diagnostic[];
}

/** The `{{ }}` context a component of this build renders its strings with. */
export function interpolationContext(
  template: LoadedTemplate,
  build: BuildPlan,
  host: TemplateHost,
  generated?: Record<string, string>,
): InterpolationContext {
  const data = generated ? { ...generated } : placeholderBuildData();
  if (template.format === 'json' && 'json' in template) {
    return jsonComponentContext(template as LoadedJsonTemplate, build, { data });
  }
  return {
    host,
    buildName: build.name,
    buildType: build.builderType,
    templatePath: `${template.path}/.`,
    data,
  };
}

export function renderWith(ctx: InterpolationContext): RenderFn {
  return (text) => {
    try {
      return { value: render(text, ctx) };
    } catch (e) {
      if (e instanceof InterpolationError) return { error: e.message, parse: e.phase === 'parse' };
      throw e;
    }
  };
}

export function prepareComponent(
  template: LoadedTemplate,
  build: BuildPlan,
  instance: ComponentInstance,
  options: PrepareOptions,
): PreparedComponent {
  const resolved = instance.resolve({
    buildName: build.name,
    buildBlockName: build.buildBlockName,
    builderType: build.builderType,
    sourceName: build.sourceName,
    generated: options.generated,
  });
  const ctx = interpolationContext(template, build, options.host, options.generated);
  const result = decodeComponent(instance.kind, instance.type, resolved, {
    dialect: template.format,
    render: renderWith(ctx),
    host: options.host,
    // Packer's PackerBuildName, which names `output-<name>` and `packer-<name>`: the source name in HCL2
    // (`output-cloudimg/packer-cloudimg`, as packer-maas relies on), the builder name in JSON.
    buildName: build.sourceName,
    force: options.force,
    collectAll: options.collectAll,
  });
  return { result, diagnostics: [...resolved.diagnostics, ...result.diagnostics] };
}
