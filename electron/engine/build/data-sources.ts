/**
 * Loading a template for a build: HCL2 data sources run here, and only here (validate and the editor
 * leave them unknown; the desktop runs builds of trusted folders only). Each runs once its own config is
 * known, so one data source (or a local) may use another's output; the template is then loaded again
 * with their values, as Packer evaluates data sources before the builds.
 */
import type { TemplateHost } from '../template/host';
import { loadTemplate, type LoadOptions } from '../template/load';
import type { ComponentInstance, LoadedTemplate } from '../template/model';
import { decodeComponent, type HttpDataSourceConfig } from '../template/schema/index';
import { error, hasErrors, type Diagnostic } from '../template/source';
import { httpDataValue, type DataSourceValues } from '../template/hcl2/data-values';
import type { Value } from '../template/hcl2/evaluation';
import { DataSourceError, runHttpDataSource } from './http-data-source';

export interface DataSourceRunOptions {
  signal?: AbortSignal;
  /** Lines a data source prints (Packer prints them on stdout). */
  say: (line: string) => void;
}

export interface LoadedForBuild {
  template: LoadedTemplate;
  /** The outputs, for loading the template again during the run (the desktop's live template). */
  dataValues: DataSourceValues;
}

/** A data source's config has no unknown values left, or it never will. */
type Readiness = { config: unknown } | { diagnostics: Diagnostic[] } | 'waiting';

function readiness(template: LoadedTemplate, data: ComponentInstance, host: TemplateHost): Readiness {
  const resolved = data.resolve({ buildName: '', buildBlockName: '', builderType: '', sourceName: '' });
  if (hasErrors(resolved.diagnostics)) return { diagnostics: resolved.diagnostics };
  const result = decodeComponent('data', data.type, resolved, { dialect: template.format, host });
  if (result.config !== undefined) return { config: result.config };
  return hasErrors(result.diagnostics) ? { diagnostics: result.diagnostics } : 'waiting';
}

async function execute(
  data: ComponentInstance,
  config: unknown,
  options: DataSourceRunOptions,
): Promise<Value> {
  if (data.type === 'http') {
    return httpDataValue(
      await runHttpDataSource(config as HttpDataSourceConfig, { signal: options.signal, warn: options.say }),
    );
  }
  // The schema registry knows only the data sources Kiln runs; anything else failed to decode above.
  throw new DataSourceError(`Kiln cannot run data sources of type "${data.type}"`);
}

function withDiagnostics(template: LoadedTemplate, diagnostics: Diagnostic[]): LoadedTemplate {
  return { ...template, diagnostics: [...template.diagnostics, ...diagnostics] };
}

export async function loadTemplateForBuild(
  path: string,
  options: LoadOptions,
  host: TemplateHost,
  run: DataSourceRunOptions,
): Promise<LoadedForBuild> {
  const values = new Map<string, Value>(options.dataValues ?? []);
  let template = loadTemplate(path, { ...options, dataValues: values }, host);
  for (;;) {
    const pending = template.dataSources.filter((d) => !values.has(d.address));
    if (hasErrors(template.diagnostics) || pending.length === 0) return { template, dataValues: values };
    let ran = 0;
    for (const data of pending) {
      const ready = readiness(template, data, host);
      if (ready === 'waiting') continue;
      if ('diagnostics' in ready)
        return { template: withDiagnostics(template, ready.diagnostics), dataValues: values };
      try {
        values.set(data.address, await execute(data, ready.config, run));
      } catch (err) {
        if (!(err instanceof DataSourceError)) throw err;
        const failure = error(`Datasource.Execute failed: ${err.message}`, '', data.range);
        return { template: withDiagnostics(template, [failure]), dataValues: values };
      }
      ran++;
    }
    if (ran === 0) {
      // Every one left waits on another: a cycle, or a value only a build knows (build.*, source.*).
      const stuck = pending.map((data) =>
        error(
          `${data.address} cannot run`,
          'Its configuration depends on values that are only known once it or another data source has run ' +
            '(a cycle between data sources or locals), or on values of a build.',
          data.range,
        ),
      );
      return { template: withDiagnostics(template, stuck), dataValues: values };
    }
    template = loadTemplate(path, { ...options, dataValues: values }, host);
  }
}
