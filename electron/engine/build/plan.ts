/**
 * From a loaded template to runnable builds: each component's config is resolved for its build (and,
 * for provisioners, with the generated data of the moment they run), decoded and prepared by the
 * template schema with Packer's messages, then handed to the component's factory.
 */
import { placeholderBuildData, render } from '../template/gotemplate';
import type { TemplateHost } from '../template/host';
import type { BuildPlan, ComponentInstance, LoadedTemplate } from '../template/model';
import { interpolationContext, prepareComponent } from '../template/prepare';
import type { Render } from './components';
import type { PlannedProvisioner } from './provision';
import type { FactoryDeps } from './registry';
import { builderFactories, postProcessorFactories, provisionerFactories } from './registry';
import type { PlannedBuild, PlannedPostProcessor } from './session';

export interface PlanOptions {
  template: LoadedTemplate;
  host: TemplateHost;
  /** The working directory relative paths are resolved against. */
  cwd: string;
  force: boolean;
}

/** A component Packer would refuse at prepare time, with Packer's text of why. */
export class PrepareError extends Error {}

export interface PreparedPlan {
  builds: PlannedBuild[];
  /** Builds that failed to prepare, with Packer's error text (`Failed to prepare build: "x"`). */
  failures: Array<{ build: string; error: string }>;
  /** Packer's warnings, per build. */
  warnings: Array<{ build: string; warning: string }>;
}

class BuildPlanner {
  readonly warnings: string[] = [];
  constructor(
    private readonly build: BuildPlan,
    private readonly options: PlanOptions,
  ) {}

  /** Run-time rendering (`execute_command`, compress `output`), with the template's context. */
  readonly render: Render = (text, data) =>
    render(text, {
      ...interpolationContext(this.options.template, this.build, this.options.host),
      data: { ...data },
    });

  private deps(): FactoryDeps {
    return { render: this.render, cwd: this.options.cwd };
  }

  /**
   * The component's typed config for this build: resolved (with the generated data once the build
   * has it, Packer's placeholders before), rendered, decoded and prepared by the template schema.
   */
  decode(instance: ComponentInstance, generated?: Record<string, string>): unknown {
    const { result, diagnostics } = prepareComponent(this.options.template, this.build, instance, {
      host: this.options.host,
      force: this.options.force,
      ...(generated ? { generated } : {}),
    });
    for (const w of result.packerWarnings) if (!this.warnings.includes(w)) this.warnings.push(w);
    if (!result.config) {
      const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => d.detail || d.summary);
      throw new PrepareError(
        result.packerError ??
          (errors.length > 0
            ? errors.join('\n')
            : `${instance.address} (${instance.type}) has values that are still unknown when the build starts`),
      );
    }
    return result.config;
  }

  provisioner(instance: BuildPlan['provisioners'][number]): PlannedProvisioner {
    const factory = provisionerFactories[instance.type];
    if (!factory) throw new PrepareError(`Unknown provisioner ${instance.type}`);
    return {
      type: instance.type,
      name: instance.name,
      address: instance.address,
      pauseBefore: instance.pauseBefore,
      maxRetries: instance.maxRetries,
      timeout: instance.timeout,
      create: (generated) => factory(this.decode(instance, { ...generated }) as never, this.deps()),
    };
  }

  plan(): PlannedBuild {
    const b = this.build;
    const builderFactory = builderFactories[b.builderType];
    if (!builderFactory) throw new PrepareError(`Unknown builder ${b.builderType}`);
    return {
      name: b.name,
      builderType: b.builderType,
      sourceName: b.sourceName,
      buildBlockName: b.buildBlockName,
      createBuilder: () => builderFactory(this.decode(b.builder) as never, this.deps()),
      provisioners: b.provisioners.map((p) => this.provisioner(p)),
      ...(b.errorCleanupProvisioner
        ? { errorCleanupProvisioner: this.provisioner(b.errorCleanupProvisioner) }
        : {}),
      postProcessors: b.postProcessors.map((chain) =>
        chain.map((pp): PlannedPostProcessor => {
          const factory = postProcessorFactories[pp.type];
          if (!factory) throw new PrepareError(`Unknown post-processor ${pp.type}`);
          return {
            type: pp.type,
            address: pp.address,
            name: pp.name,
            ...(pp.keepInputArtifact !== undefined ? { keepInputArtifact: pp.keepInputArtifact } : {}),
            create: () => factory(this.decode(pp) as never, this.deps()),
          };
        }),
      ),
    };
  }
}

/**
 * Plans every build and prepares each once (Packer's Prepare: every component decoded and validated,
 * with placeholder build data), so configuration errors are reported before anything runs.
 */
export function prepareBuilds(plans: readonly BuildPlan[], options: PlanOptions): PreparedPlan {
  const out: PreparedPlan = { builds: [], failures: [], warnings: [] };
  for (const plan of plans) {
    const planner = new BuildPlanner(plan, options);
    try {
      const planned = planner.plan();
      planned.createBuilder();
      for (const p of [
        ...planned.provisioners,
        ...(planned.errorCleanupProvisioner ? [planned.errorCleanupProvisioner] : []),
      ]) {
        void p.create(placeholderBuildData());
      }
      for (const pp of planned.postProcessors.flat()) pp.create();
      out.builds.push(planned);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      out.failures.push({ build: plan.name, error: err.message });
      // Packer drops the warnings of a build that failed to prepare.
      continue;
    }
    for (const warning of planner.warnings) out.warnings.push({ build: plan.name, warning });
  }
  return out;
}
