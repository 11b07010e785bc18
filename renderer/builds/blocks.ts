/** Finding a template block by its address in the pipeline model, and the block holding a line. */
import type { PipelineBlock, PipelineModel } from '../../electron/engine/template/language/types';

export function allBlocks(pipeline: PipelineModel | null): PipelineBlock[] {
  if (!pipeline) return [];
  return [
    ...pipeline.sources,
    ...pipeline.builds.flatMap((b) => [
      ...b.provisioners,
      ...(b.errorCleanupProvisioner ? [b.errorCleanupProvisioner] : []),
      ...b.postProcessors.flatMap((c) => c.steps),
    ]),
  ];
}

export function blockAt(
  pipeline: PipelineModel | null,
  address: string | undefined,
): PipelineBlock | undefined {
  if (!address) return undefined;
  return allBlocks(pipeline).find((b) => b.address === address);
}

/** The provisioner or post-processor whose block holds a line of a file (the innermost one). */
export function breakpointBlockAtLine(
  pipeline: PipelineModel | null,
  file: string,
  line: number,
): PipelineBlock | undefined {
  let found: PipelineBlock | undefined;
  for (const b of allBlocks(pipeline)) {
    if (b.role === 'source' || b.file !== file) continue;
    if (line < b.range.start.line || line > b.range.end.line) continue;
    if (!found || b.range.start.offset >= found.range.start.offset) found = b;
  }
  return found;
}

/** A short human name: `shell-local provisioner at line 12`. */
export function describeBlock(block: PipelineBlock | undefined, address: string): string {
  if (!block) return address;
  const role = block.role === 'post-processor' ? 'post-processor' : 'provisioner';
  return `${block.type} ${role}${block.name && block.name !== block.type ? ` “${block.name}”` : ''} (${block.file}:${block.range.start.line})`;
}
