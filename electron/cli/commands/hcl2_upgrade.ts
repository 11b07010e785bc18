/** `kiln hcl2_upgrade`: a JSON template to HCL2, as `packer hcl2_upgrade` (Packer's current wording). */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { memoryHost } from '../../engine/template/host';
import { hcl2Upgrade } from '../../engine/template/upgrade/hcl2upgrade';
import { parseFlags } from '../flags';
import type { Command } from '../io';

const USAGE = `Usage: kiln hcl2_upgrade [options] TEMPLATE

  Will transform your JSON template into an HCL2 configuration.

Options:

  -output-file=path    Set output file name. By default this will be the
                       TEMPLATE name with ".pkr.hcl" appended to it. To be a
                       valid Packer HCL template, it must have the suffix
                       ".pkr.hcl"
  -with-annotations    Add helper annotation comments to the file to help new
                       HCL2 users understand the template format.`;

const LEGACY_PREFIX =
  'Failed to parse file as legacy JSON template: if you are using an HCL template, check your file extensions; they should be either *.pkr.hcl or *.pkr.json; see the docs for more details: https://www.packer.io/docs/templates/hcl_templates. \nOriginal error: ';

export const hcl2UpgradeCommand: Command = {
  name: 'hcl2_upgrade',
  synopsis: 'transform a JSON template into an HCL2 configuration',
  usage: USAGE,
  async run(args, io) {
    const { flags, rest } = parseFlags(
      { 'output-file': { kind: 'string' }, 'with-annotations': { kind: 'bool' } },
      args,
    );
    if (rest.length !== 1) {
      io.stdout.write(`${USAGE}\n`);
      return 1;
    }
    const template = rest[0];
    const output = flags['output-file'] || `${template}.pkr.hcl`;
    let text: string;
    try {
      text = await readFile(path.resolve(io.cwd, template), 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'ENOENT'
          ? 'no such file or directory'
          : err.code === 'EISDIR'
            ? 'is a directory'
            : err.message;
      io.stdout.write(`${LEGACY_PREFIX}open ${template}: ${why}\nFailed to get config from JSON\n`);
      return 1;
    }
    const env = Object.fromEntries(
      Object.entries(io.env).filter((kv): kv is [string, string] => kv[1] !== undefined),
    );
    const result = hcl2Upgrade(text, template, {
      withAnnotations: flags['with-annotations'],
      host: memoryHost({ env, cwd: io.cwd }),
    });
    for (const m of result.messages) io.stdout.write(`${m}\n`);
    if (result.hcl === undefined) return 1;
    const target = path.resolve(io.cwd, output);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, result.hcl);
    } catch (e) {
      io.stdout.write(`Failed to create output file: ${(e as Error).message}\n`);
      return 1;
    }
    io.stdout.write(`Successfully created ${output}. Exit ${result.exitCode}\n`);
    return result.exitCode;
  },
};
