/** The `packer {}` block: required_version checked against the Packer version Kiln follows, required_plugins answered. */
import type { Block } from '../hcl/ast';
import type { Diagnostic } from '../source';
import { error, warning } from '../source';
import { PACKER_COMPAT_VERSION } from '../../version';
import { checkVersionConstraint } from '../version-constraint';
import type { Scope } from './evaluation';
import { asString, evaluate, isKnown, toConfig } from './evaluation';

/** Plugins whose components Kiln has built in, by their `source` address. */
export const BUILT_IN_PLUGINS: Record<string, string> = {
  'github.com/hashicorp/qemu': 'the qemu builder',
};

export interface RequiredPlugin {
  name: string;
  source: string;
  version?: string;
}

export function checkPackerBlocks(
  blocks: Block[],
  scope: Scope,
): { diagnostics: Diagnostic[]; plugins: RequiredPlugin[] } {
  const diagnostics: Diagnostic[] = [];
  const plugins: RequiredPlugin[] = [];
  for (const block of blocks) {
    const attr = block.body.attributes.find((a) => a.name === 'required_version');
    if (attr) {
      const { value, diagnostics: d } = evaluate(attr.expr, scope);
      diagnostics.push(...d);
      const text = isKnown(value) ? asString(value) : undefined;
      if (text !== undefined) {
        const check = checkVersionConstraint(text, PACKER_COMPAT_VERSION);
        if (check.error) {
          diagnostics.push(
            error(
              'Invalid version constraint',
              `${check.error}. A version constraint looks like ">= 1.7.0".`,
              attr.expr.range,
            ),
          );
        } else if (!check.ok) {
          diagnostics.push(
            error(
              'Unsupported Packer Core version',
              `This configuration does not support Packer version ${PACKER_COMPAT_VERSION}, the Packer semantics Kiln follows. The constraint is "${text}". To proceed, either change the version constraint or use a Packer release that satisfies it.`,
              attr.expr.range,
            ),
          );
        }
      }
    }
    for (const nested of block.body.blocks.filter((b) => b.type === 'required_plugins')) {
      for (const plugin of nested.body.attributes) {
        const { value, diagnostics: d } = evaluate(plugin.expr, scope);
        diagnostics.push(...d);
        const config = toConfig(value);
        const source =
          config && typeof config === 'object' && !Array.isArray(config) ? config.source : undefined;
        if (typeof source !== 'string') {
          diagnostics.push(
            error(
              'Invalid required_plugins entry',
              `The plugin "${plugin.name}" needs a source, e.g. source = "github.com/hashicorp/${plugin.name}".`,
              plugin.expr.range,
            ),
          );
          continue;
        }
        const version =
          config && typeof config === 'object' && !Array.isArray(config) ? config.version : undefined;
        plugins.push({ name: plugin.name, source, ...(typeof version === 'string' ? { version } : {}) });
        if (!BUILT_IN_PLUGINS[source]) {
          diagnostics.push(
            warning(
              'Plugin not provided by Kiln',
              `The plugin "${plugin.name}" (${source}) is not built into Kiln. Components from it are checked for syntax only and cannot be built with Kiln; Kiln builds with qemu, null and file builders.`,
              plugin.nameRange,
            ),
          );
        }
      }
    }
  }
  return { diagnostics, plugins };
}
