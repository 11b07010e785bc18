/**
 * Test support: a template file (JSON or HCL2) turned into the engine's planned builds the way a build
 * run does — loaded, each component's config resolved, rendered, decoded and prepared by its schema,
 * then created by the component registry — so the qemu builder's integration tests and benchmark
 * build real templates end to end. Any error diagnostic fails loudly with its text.
 */
import type { Render } from '../../../build/components';
import type { PlannedProvisioner } from '../../../build/provision';
import type { PlannedBuild } from '../../../build/session';
import { builderFactories, postProcessorFactories, provisionerFactories } from '../../../build/registry';
import { nodeHost } from '../../../node-host';
import type { TemplateHost } from '../../../template/host';
import { loadTemplate } from '../../../template/load';
import type { BuildPlan, ComponentInstance, LoadedTemplate } from '../../../template/model';
import { interpolationContext, prepareComponent } from '../../../template/prepare';
import { render } from '../../../template/gotemplate/interpolate';
import type { Diagnostic } from '../../../template/source';

export interface PlanOptions {
  vars?: Record<string, string>;
  varFiles?: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  force?: boolean;
}

function describe(d: Diagnostic): string {
  const where = d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.column}: ` : '';
  return `${where}${d.summary}${d.detail ? `: ${d.detail}` : ''}`;
}

function prepared(
  template: LoadedTemplate,
  build: BuildPlan,
  component: ComponentInstance,
  host: TemplateHost,
  force: boolean,
  generated?: Record<string, string>,
): unknown {
  const result = prepareComponent(template, build, component, {
    host,
    force,
    ...(generated ? { generated } : {}),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || result.result.config === undefined) {
    throw new Error(`${component.address}: ${errors.map(describe).join('\n') || 'no config'}`);
  }
  return result.result.config;
}

export interface PlannedTemplate {
  template: LoadedTemplate;
  builds: PlannedBuild[];
  sensitiveValues: string[];
}

export function planTemplate(path: string, options: PlanOptions): PlannedTemplate {
  const host = nodeHost({ cwd: options.cwd, env: options.env ?? process.env });
  const template = loadTemplate(
    path,
    { vars: Object.entries(options.vars ?? {}), varFiles: options.varFiles ?? [] },
    host,
  );
  const errors = template.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map(describe).join('\n'));
  const force = options.force ?? false;
  const builds = template.builds.map((build): PlannedBuild => {
    const runtimeRender: Render = (text, data) =>
      render(text, { ...interpolationContext(template, build, host), data: { ...data } });
    const deps = { render: runtimeRender, cwd: options.cwd };
    const provisioner = (p: (typeof build.provisioners)[number]): PlannedProvisioner => ({
      type: p.type,
      name: p.name,
      address: p.address,
      pauseBefore: p.pauseBefore,
      maxRetries: p.maxRetries,
      timeout: p.timeout,
      create: (generated) => {
        const factory = provisionerFactories[p.type];
        if (!factory) throw new Error(`Unknown provisioner ${p.type}`);
        return factory(prepared(template, build, p, host, force, { ...generated }) as never, deps);
      },
    });
    return {
      name: build.name,
      builderType: build.builderType,
      sourceName: build.sourceName,
      buildBlockName: build.buildBlockName,
      createBuilder: () => {
        const factory = builderFactories[build.builderType];
        if (!factory) throw new Error(`Unknown builder ${build.builderType}`);
        return factory(prepared(template, build, build.builder, host, force) as never, deps);
      },
      provisioners: build.provisioners.map(provisioner),
      ...(build.errorCleanupProvisioner
        ? { errorCleanupProvisioner: provisioner(build.errorCleanupProvisioner) }
        : {}),
      postProcessors: build.postProcessors.map((sequence) =>
        sequence.map((pp) => ({
          type: pp.type,
          name: pp.name,
          ...(pp.keepInputArtifact !== undefined ? { keepInputArtifact: pp.keepInputArtifact } : {}),
          create: () =>
            postProcessorFactories[pp.type](prepared(template, build, pp, host, force) as never, deps),
        })),
      ),
    };
  });
  return { template, builds, sensitiveValues: template.sensitiveValues ?? [] };
}
