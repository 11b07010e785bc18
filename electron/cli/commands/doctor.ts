/** `kiln doctor`: what Kiln's features need on this machine, found or missing, and what to install. */
import { checkHost, type HostCheck, type HostReport } from '../../engine/tools/doctor';
import { FlagError, parseFlags } from '../flags';
import type { Command } from '../io';

const usage = `Usage: kiln doctor [options]

  Checks, with real probes, what Kiln needs on this machine: qemu-system-x86_64,
  qemu-img, OVMF, KVM, and the tools of cd_files, floppy_files and the MAAS
  artifacts. Prints, per item, where it was found, or the Debian package to
  install and what does not work without it. Exit status 0 when a qemu build
  can run here (qemu-system-x86_64, qemu-img and OVMF found), 1 otherwise.

Options:
  --no-accelerator-probe  Do not boot the test guest that proves KVM works (it
                          takes a few seconds, once per boot of the machine);
                          only check that /dev/kvm opens.
  --json                  Print the report as JSON.`;

export const doctorCommand: Command = {
  name: 'doctor',
  synopsis: 'Checks that the tools Kiln needs are installed',
  usage,
  async run(args, io) {
    let flags: { 'no-accelerator-probe': boolean; json: boolean };
    try {
      const parsed = parseFlags({ 'no-accelerator-probe': { kind: 'bool' }, json: { kind: 'bool' } }, args);
      if (parsed.rest.length) throw new FlagError(`unexpected argument: ${parsed.rest.join(' ')}`);
      flags = parsed.flags;
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      io.stderr.write(`kiln doctor: ${err.message}\n\n${usage}\n`);
      return 1;
    }
    const probe = !flags['no-accelerator-probe'];
    if (probe && !flags.json) {
      io.stderr.write(
        'Checking... (the KVM probe boots a test guest: a few seconds the first time after each boot; --no-accelerator-probe skips it)\n',
      );
    }
    const report = await checkHost({
      path: io.env.PATH ?? '',
      acceleratorProbe: probe,
      signal: io.signal,
    });
    io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatHostReport(report));
    return report.ready ? 0 : 1;
  },
};

function formatCheck(check: HostCheck, width: number): string {
  const label = check.label.padEnd(width);
  if (check.found) return `ok       ${label}  ${check.path ?? ''}${check.detail ? ` (${check.detail})` : ''}`;
  const mark = check.required ? 'MISSING' : 'missing';
  const get = check.debianPackage
    ? `install ${check.debianPackage}`
    : check.howToGet
      ? `get it: ${check.howToGet}`
      : undefined;
  return [
    `${mark.padEnd(8)} ${label}  ${check.detail ?? 'not found on PATH'}`,
    ...(get ? [`${' '.repeat(9 + width)}  ${get}`] : []),
    `${' '.repeat(9 + width)}  without it: ${check.neededFor}`,
  ].join('\n');
}

export function formatHostReport(report: HostReport): string {
  const width = Math.max(...report.checks.map((c) => c.label.length));
  const lines = report.checks.map((c) => formatCheck(c, width));
  lines.push('');
  const missingRequired = report.checks.filter((c) => c.required && !c.found);
  if (report.ready) lines.push('Everything a qemu build needs is here.');
  else lines.push(`A qemu build cannot run here: ${missingRequired.map((c) => c.label).join(', ')} missing.`);
  if (report.missingPackages.length)
    lines.push(`To install what is missing: sudo apt-get install ${report.missingPackages.join(' ')}`);
  lines.push(`Checked in ${report.ms} ms.`);
  return `${lines.join('\n')}\n`;
}
