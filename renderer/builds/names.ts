/** What the build form offers, read from the pipeline model: the builds' names (as -only matches them). */
import type { PipelineModel } from '../../electron/engine/template/language/types';

/** Packer's build names: `type.name` or `build.type.name` for HCL, the builder's name for JSON. */
export function buildNames(pipeline: PipelineModel | null): string[] {
  if (!pipeline) return [];
  const names: string[] = [];
  for (const build of pipeline.builds) {
    for (const ref of build.sources) {
      if (pipeline.format === 'json') {
        names.push(ref.ref);
        continue;
      }
      const source = pipeline.sources.find((s) => s.address === ref.target);
      const local = source ? `${source.type}.${source.name ?? ''}` : ref.ref.replace(/^source\./, '');
      names.push(build.name ? `${build.name}.${local}` : local);
    }
  }
  return [...new Set(names)];
}
