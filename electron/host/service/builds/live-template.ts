/**
 * The template behind a running build, as its author edits it. Before each provisioner and
 * post-processor runs (after a pause, and for every retry) the build asks for that component as the
 * template says now: when the template's files changed on disk since the plan was made, they are loaded
 * and planned again, and the component at the same address (and of the same type) is run instead.
 * Edits that change the template's shape (a component added, removed or moved) are picked up by the next
 * build, not this one, and the build says so.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { selectBuilds } from '../../../cli/commands/build';
import type { PlannedProvisioner } from '../../../engine/build/provision';
import type { BuildSession, PlannedBuild, PlannedPostProcessor } from '../../../engine/build/session';
import { prepareBuilds } from '../../../engine/build/plan';
import { loadTemplate } from '../../../engine/template/load';
import type { LoadOptions } from '../../../engine/template/load';
import type { TemplateHost } from '../../../engine/template/host';
import type { LoadedTemplate } from '../../../engine/template/model';
import { formatRange, hasErrors } from '../../../engine/template/source';
import type { Diagnostic } from '../../../engine/template/source';
import { trustNeeds } from '../trust';

export interface LiveTemplateOptions {
  path: string;
  load: LoadOptions;
  host: TemplateHost;
  cwd: string;
  only: string[];
  except: string[];
  force: boolean;
  /** Whether the folder is trusted now (trust can be withdrawn while a build runs). */
  trusted(): Promise<boolean>;
}

export function describeDiagnostics(diagnostics: readonly Diagnostic[], max = 5): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const lines = errors
    .slice(0, max)
    .map(
      (d) => `${d.range ? `${formatRange(d.range)}: ` : ''}${d.summary}${d.detail ? `: ${d.detail}` : ''}`,
    );
  if (errors.length > max) lines.push(`… and ${errors.length - max} more`);
  return lines.join('\n');
}

interface Planned {
  fingerprint: string;
  builds: readonly PlannedBuild[];
}

export class LiveTemplate {
  private current: Planned;
  private readonly initialFingerprint: string;
  private session: BuildSession | undefined;
  private readonly announced = new Set<string>();

  constructor(
    private readonly options: LiveTemplateOptions,
    private readonly template: LoadedTemplate,
    builds: readonly PlannedBuild[],
  ) {
    this.initialFingerprint = this.fingerprint(template);
    this.current = { fingerprint: this.initialFingerprint, builds };
  }

  /** The session to report through (set once it exists). */
  attach(session: BuildSession): void {
    this.session = session;
  }

  async provisioner(build: string, p: PlannedProvisioner): Promise<PlannedProvisioner> {
    const builds = await this.refresh(build);
    const plan = builds?.find((b) => b.name === build);
    const now = plan
      ? [...plan.provisioners, ...(plan.errorCleanupProvisioner ? [plan.errorCleanupProvisioner] : [])].find(
          (q) => q.address === p.address,
        )
      : undefined;
    return this.pick(build, p, now);
  }

  async postProcessor(build: string, pp: PlannedPostProcessor): Promise<PlannedPostProcessor> {
    if (!pp.address) return pp;
    const builds = await this.refresh(build);
    const plan = builds?.find((b) => b.name === build);
    const now = plan?.postProcessors.flat().find((q) => q.address === pp.address);
    return this.pick(build, pp, now);
  }

  private pick<T extends { address?: string; type: string }>(build: string, was: T, now: T | undefined): T {
    if (this.current.fingerprint === this.initialFingerprint || now === was) return was;
    const key = `${this.current.fingerprint} ${was.address}`;
    if (!now || now.type !== was.type) {
      if (!this.announced.has(key)) {
        this.announced.add(key);
        this.log(
          build,
          'error',
          `${was.address} (${was.type}) is no longer at that place in the edited template; it runs as it was when the build started. Build again to run the template's new shape.`,
        );
      }
      return was;
    }
    if (!this.announced.has(key)) {
      this.announced.add(key);
      this.log(
        build,
        'say',
        `Running ${was.address} (${was.type}) as the template says now (it was edited).`,
      );
    }
    return now;
  }

  /** The plan for the template as it is on disk now; the old one when it cannot be used. */
  private async refresh(build: string): Promise<readonly PlannedBuild[] | undefined> {
    const fingerprint = this.fingerprint(this.template);
    if (fingerprint === this.current.fingerprint) return this.current.builds;
    const o = this.options;
    const template = loadTemplate(o.path, o.load, o.host);
    const refuse = (why: string) => {
      const key = `${fingerprint} refused`;
      if (!this.announced.has(key)) {
        this.announced.add(key);
        this.log(build, 'error', `The edited template is not used: ${why}`);
      }
      return this.current.builds;
    };
    if (hasErrors(template.diagnostics))
      return refuse(`it has errors.\n${describeDiagnostics(template.diagnostics)}`);
    const needs = trustNeeds(template);
    if (needs.length && !(await o.trusted()))
      return refuse(
        `it runs local commands (${needs.map((n) => n.address).join(', ')}) and its folder is not trusted.`,
      );
    const prepared = prepareBuilds(selectBuilds(template.builds, template.format, o.only, o.except), {
      template,
      host: o.host,
      cwd: o.cwd,
      force: o.force,
    });
    const failure = prepared.failures.find((f) => f.build === build);
    if (failure) return refuse(failure.error);
    this.current = { fingerprint, builds: prepared.builds };
    return prepared.builds;
  }

  /** A hash of every file the template was loaded from (and its var files). */
  private fingerprint(template: LoadedTemplate): string {
    const hash = createHash('sha256');
    const files = [...template.files, ...(this.options.load.varFiles ?? [])];
    for (const file of files) {
      hash.update(file);
      try {
        hash.update(readFileSync(resolve(this.options.cwd, file)));
      } catch {
        hash.update('\0missing');
      }
    }
    return hash.digest('hex');
  }

  private log(build: string, level: 'say' | 'error', text: string): void {
    this.session?.channel.emit({ type: 'log', build, target: build, level, text });
  }
}
