/** `packer inspect` for HCL2 templates, in Packer's exact layout. */
import type { ComponentInstance, LoadedTemplate } from '../model';
import { goQuote } from '../schema/go';

function componentLabel(c: ComponentInstance): string {
  return c.name !== c.type ? `${c.type}.${c.name}` : c.type;
}

export function inspectHcl(template: LoadedTemplate): string {
  const out: string[] = ['Packer Inspect: HCL2 mode', '', '> input-variables:', ''];
  for (const v of template.variables) out.push(`var.${v.name}: ${goQuote(v.display)}`);
  out.push('', '> local-variables:', '');
  for (const l of template.locals) out.push(`local.${l.name}: ${goQuote(l.display)}`);
  out.push('', '> builds:');
  template.buildBlocks.forEach((build, i) => {
    out.push('', `  > ${build.name || `<unnamed build ${i}>`}:`);
    if (build.description) out.push('', `  > Description: ${build.description}`);
    out.push('', '    sources:');
    if (build.sources.length === 0) out.push('', '      <no source>');
    for (const s of build.sources) out.push('', `      ${s}`);
    out.push('', '    provisioners:', '');
    if (build.provisioners.length === 0) out.push('      <no provisioner>');
    for (const p of build.provisioners) out.push(`      ${componentLabel(p)}`);
    out.push('', '    post-processors:');
    if (build.postProcessors.length === 0) out.push('', '      <no post-processor>');
    build.postProcessors.forEach((chain, ci) => {
      out.push('', `      ${ci}:`);
      for (const pp of chain) out.push(`        ${componentLabel(pp)}`);
    });
  });
  return out.join('\n') + '\n\n';
}
