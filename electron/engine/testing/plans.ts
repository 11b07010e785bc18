/**
 * Test support: builds made by hand from typed component configs, the way the template loader and
 * schema will hand them over, so the engine can be tested on its own.
 */
import type { Render } from '../build/components';
import type { PlannedProvisioner } from '../build/provision';
import type { PlannedBuild, PlannedPostProcessor } from '../build/session';
import type { FactoryDeps } from '../build/registry';
import { builderFactories, postProcessorFactories, provisionerFactories } from '../build/registry';

export interface ComponentSpec {
  type: string;
  name?: string;
  config: Record<string, unknown>;
  pause_before?: number;
  max_retries?: number;
  timeout?: number;
  keep_input_artifact?: boolean;
}

export interface BuildSpec {
  name: string;
  builder: ComponentSpec;
  sourceName?: string;
  provisioners?: ComponentSpec[];
  errorCleanupProvisioner?: ComponentSpec;
  postProcessors?: ComponentSpec[][];
}

function provisioner(spec: ComponentSpec, index: number, deps: FactoryDeps): PlannedProvisioner {
  const factory = provisionerFactories[spec.type];
  if (!factory) throw new Error(`Unknown provisioner ${spec.type}`);
  return {
    type: spec.type,
    name: spec.name ?? spec.type,
    address: `provisioners[${index}]`,
    pauseBefore: spec.pause_before ?? 0,
    maxRetries: spec.max_retries ?? 0,
    timeout: spec.timeout ?? 0,
    create: () => factory(spec.config as never, deps),
  };
}

export function planBuild(spec: BuildSpec, deps: FactoryDeps): PlannedBuild {
  const builder = builderFactories[spec.builder.type];
  return {
    name: spec.name,
    builderType: spec.builder.type,
    sourceName: spec.sourceName ?? spec.name,
    buildBlockName: '',
    createBuilder: () => builder(spec.builder.config as never, deps),
    provisioners: (spec.provisioners ?? []).map((p, i) => provisioner(p, i, deps)),
    ...(spec.errorCleanupProvisioner
      ? { errorCleanupProvisioner: provisioner(spec.errorCleanupProvisioner, -1, deps) }
      : {}),
    postProcessors: (spec.postProcessors ?? []).map((seq) =>
      seq.map((pp): PlannedPostProcessor => ({
        type: pp.type,
        name: pp.name ?? pp.type,
        ...(pp.keep_input_artifact !== undefined ? { keepInputArtifact: pp.keep_input_artifact } : {}),
        create: () => postProcessorFactories[pp.type](pp.config as never, deps),
      })),
    ),
  };
}

/**
 * Temporary stand-in for the Go template engine in engine-only tests: substitutes `{{.Key}}` and
 * `{{ .Key }}` from the data. The real engine replaces it once it lands on main.
 */
export const substituteFields: Render = (template, data) =>
  template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, key: string) => data[key] ?? '<no value>');
