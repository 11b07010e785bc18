/**
 * Test support: a Kiln process that starts a VM and then stays until it is killed, as an app that
 * crashes mid-build does. Prints `qemu <pid>` once the VM runs. Run with `node --import tsx`.
 * Arguments: the qemu binary, then its command line.
 */
import { QemuVm } from '../qemu-process';
import { VmRegistry } from '../registry';

const [binary, ...args] = process.argv.slice(2);
const vm = await QemuVm.start({ binary, args, label: 'crash-test', registry: new VmRegistry() });
process.stdout.write(`qemu ${vm.pid}\n`);
setInterval(() => undefined, 60_000);
