/**
 * Packer components Kiln does not have, and the plugins they come from, so a template that uses one is
 * told plainly what it is and why Kiln cannot run it, instead of "unknown". Also answers
 * `required_plugins` entries: which plugin sources Kiln provides itself.
 */
import type { ComponentKind } from '../model';

export interface KnownPlugin {
  /** Short name as Packer's docs and `packer plugins` use it (`hyperv`, `ansible`). */
  name: string;
  /** `required_plugins` source address; empty for components built into Packer itself. */
  source: string;
  /** One line: what it is for. */
  doc: string;
  components: Partial<Record<ComponentKind, readonly string[]>>;
  /** True when Kiln provides this plugin's components itself (so `required_plugins` needs nothing installed). */
  providedByKiln?: boolean;
}

/** Components built into Packer that Kiln does not implement (not a plugin: part of Packer itself). */
export const PACKER_CORE: KnownPlugin = {
  name: 'Packer core',
  source: '',
  doc: 'Components built into Packer.',
  components: {
    provisioner: ['powershell', 'windows-shell', 'windows-restart', 'sleep', 'hcp-sbom'],
    'post-processor': ['provenance'],
    data: ['null', 'hcp-packer-artifact', 'hcp-packer-image', 'hcp-packer-iteration', 'hcp-packer-version'],
  },
};

export const KNOWN_PLUGINS: readonly KnownPlugin[] = [
  {
    name: 'qemu',
    source: 'github.com/hashicorp/qemu',
    doc: 'QEMU virtual machines.',
    components: { builder: ['qemu'] },
    providedByKiln: true,
  },
  {
    name: 'amazon',
    source: 'github.com/hashicorp/amazon',
    doc: 'Amazon EC2 images (AMIs).',
    components: {
      builder: ['amazon-ebs', 'amazon-chroot', 'amazon-ebssurrogate', 'amazon-ebsvolume', 'amazon-instance'],
      'post-processor': ['amazon-import'],
      data: ['amazon-ami', 'amazon-secretsmanager', 'amazon-parameterstore'],
    },
  },
  {
    name: 'amazon-ami-management',
    source: 'github.com/wata727/amazon-ami-management',
    doc: 'Deletes old AMIs.',
    components: { 'post-processor': ['amazon-ami-management'] },
  },
  {
    name: 'azure',
    source: 'github.com/hashicorp/azure',
    doc: 'Microsoft Azure images.',
    components: { builder: ['azure-arm', 'azure-chroot', 'azure-dtl'], provisioner: ['azure-dtlartifact'] },
  },
  {
    name: 'googlecompute',
    source: 'github.com/hashicorp/googlecompute',
    doc: 'Google Compute Engine images.',
    components: {
      builder: ['googlecompute'],
      'post-processor': ['googlecompute-export', 'googlecompute-import'],
      data: ['googlecompute-image'],
    },
  },
  {
    name: 'virtualbox',
    source: 'github.com/hashicorp/virtualbox',
    doc: 'VirtualBox machines.',
    components: { builder: ['virtualbox-iso', 'virtualbox-ovf', 'virtualbox-vm'] },
  },
  {
    name: 'vmware',
    source: 'github.com/hashicorp/vmware',
    doc: 'VMware Workstation, Fusion and ESXi machines.',
    components: { builder: ['vmware-iso', 'vmware-vmx'] },
  },
  {
    name: 'vsphere',
    source: 'github.com/hashicorp/vsphere',
    doc: 'VMware vSphere machines and templates.',
    components: {
      builder: ['vsphere-iso', 'vsphere-clone', 'vsphere-supervisor'],
      'post-processor': ['vsphere', 'vsphere-template'],
    },
  },
  {
    name: 'hyperv',
    source: 'github.com/hashicorp/hyperv',
    doc: 'Microsoft Hyper-V machines.',
    components: { builder: ['hyperv-iso', 'hyperv-vmcx'] },
  },
  {
    name: 'proxmox',
    source: 'github.com/hashicorp/proxmox',
    doc: 'Proxmox VE templates.',
    components: { builder: ['proxmox-iso', 'proxmox-clone', 'proxmox'] },
  },
  {
    name: 'docker',
    source: 'github.com/hashicorp/docker',
    doc: 'Docker containers and images.',
    components: {
      builder: ['docker'],
      'post-processor': ['docker-import', 'docker-push', 'docker-save', 'docker-tag'],
    },
  },
  {
    name: 'vagrant',
    source: 'github.com/hashicorp/vagrant',
    doc: 'Vagrant boxes.',
    components: { builder: ['vagrant'], 'post-processor': ['vagrant', 'vagrant-cloud', 'vagrant-registry'] },
  },
  {
    name: 'lxd',
    source: 'github.com/hashicorp/lxd',
    doc: 'LXD containers.',
    components: { builder: ['lxd'] },
  },
  {
    name: 'lxc',
    source: 'github.com/hashicorp/lxc',
    doc: 'LXC containers.',
    components: { builder: ['lxc'] },
  },
  {
    name: 'parallels',
    source: 'github.com/parallels/parallels',
    doc: 'Parallels Desktop machines.',
    components: { builder: ['parallels-iso', 'parallels-pvm', 'parallels-ipsw'] },
  },
  {
    name: 'utm',
    source: 'github.com/naveenrajm7/utm',
    doc: 'UTM machines on macOS.',
    components: { builder: ['utm-iso', 'utm-vm', 'utm-cloud'] },
  },
  {
    name: 'tart',
    source: 'github.com/cirruslabs/tart',
    doc: 'Tart macOS/Linux VMs.',
    components: { builder: ['tart-cli'] },
  },
  {
    name: 'libvirt',
    source: 'github.com/thomasklein94/libvirt',
    doc: 'libvirt domains.',
    components: { builder: ['libvirt'] },
  },
  {
    name: 'digitalocean',
    source: 'github.com/digitalocean/digitalocean',
    doc: 'DigitalOcean snapshots.',
    components: { builder: ['digitalocean'], 'post-processor': ['digitalocean-import'] },
  },
  {
    name: 'openstack',
    source: 'github.com/hashicorp/openstack',
    doc: 'OpenStack images.',
    components: { builder: ['openstack'] },
  },
  {
    name: 'oracle',
    source: 'github.com/hashicorp/oracle',
    doc: 'Oracle Cloud images.',
    components: { builder: ['oracle-classic', 'oracle-oci'] },
  },
  {
    name: 'alicloud',
    source: 'github.com/hashicorp/alicloud',
    doc: 'Alibaba Cloud images.',
    components: { builder: ['alicloud-ecs'], 'post-processor': ['alicloud-import'] },
  },
  {
    name: 'hcloud',
    source: 'github.com/hetznercloud/hcloud',
    doc: 'Hetzner Cloud snapshots.',
    components: { builder: ['hcloud'] },
  },
  {
    name: 'linode',
    source: 'github.com/linode/linode',
    doc: 'Linode images.',
    components: { builder: ['linode'] },
  },
  {
    name: 'scaleway',
    source: 'github.com/scaleway/scaleway',
    doc: 'Scaleway images.',
    components: { builder: ['scaleway'] },
  },
  {
    name: 'tencentcloud',
    source: 'github.com/hashicorp/tencentcloud',
    doc: 'Tencent Cloud images.',
    components: { builder: ['tencentcloud-cvm'] },
  },
  {
    name: 'ucloud',
    source: 'github.com/hashicorp/ucloud',
    doc: 'UCloud images.',
    components: { builder: ['ucloud-uhost'], 'post-processor': ['ucloud-import'] },
  },
  {
    name: 'yandex',
    source: 'github.com/hashicorp/yandex',
    doc: 'Yandex Cloud images.',
    components: { builder: ['yandex'], 'post-processor': ['yandex-export', 'yandex-import'] },
  },
  {
    name: 'cloudstack',
    source: 'github.com/hashicorp/cloudstack',
    doc: 'CloudStack templates.',
    components: { builder: ['cloudstack'] },
  },
  {
    name: 'outscale',
    source: 'github.com/outscale/outscale',
    doc: 'Outscale images.',
    components: {
      builder: ['outscale-bsu', 'outscale-chroot', 'outscale-bsusurrogate', 'outscale-bsuvolume'],
    },
  },
  {
    name: 'exoscale',
    source: 'github.com/exoscale/exoscale',
    doc: 'Exoscale templates.',
    components: { builder: ['exoscale'], 'post-processor': ['exoscale-import'] },
  },
  {
    name: 'incus',
    source: 'github.com/bketelsen/incus',
    doc: 'Incus containers and VMs.',
    components: { builder: ['incus'] },
  },
  {
    name: 'ansible',
    source: 'github.com/hashicorp/ansible',
    doc: 'Ansible playbooks.',
    components: { provisioner: ['ansible', 'ansible-local'] },
  },
  {
    name: 'chef',
    source: 'github.com/hashicorp/chef',
    doc: 'Chef cookbooks.',
    components: { provisioner: ['chef-client', 'chef-solo'] },
  },
  {
    name: 'puppet',
    source: 'github.com/hashicorp/puppet',
    doc: 'Puppet manifests.',
    components: { provisioner: ['puppet-masterless', 'puppet-server'] },
  },
  {
    name: 'salt',
    source: 'github.com/hashicorp/salt',
    doc: 'Salt states.',
    components: { provisioner: ['salt-masterless'] },
  },
  {
    name: 'converge',
    source: 'github.com/hashicorp/converge',
    doc: 'Converge modules.',
    components: { provisioner: ['converge'] },
  },
  {
    name: 'inspec',
    source: 'github.com/hashicorp/inspec',
    doc: 'InSpec tests.',
    components: { provisioner: ['inspec'] },
  },
  {
    name: 'goss',
    source: 'github.com/YaleUniversity/goss',
    doc: 'Goss server tests.',
    components: { provisioner: ['goss'] },
  },
  {
    name: 'windows-update',
    source: 'github.com/rgl/windows-update',
    doc: 'Installs Windows updates.',
    components: { provisioner: ['windows-update'] },
  },
  {
    name: 'git',
    source: 'github.com/ethanmdavidson/git',
    doc: 'Git repository facts.',
    components: { data: ['git-commit', 'git-repository', 'git-tree'] },
  },
  {
    name: 'sshkey',
    source: 'github.com/ivoronin/sshkey',
    doc: 'Generates SSH key pairs.',
    components: { data: ['sshkey'] },
  },
];

/** The plugin (or Packer core) a component type belongs to, when Kiln knows it. */
export function findPluginOf(kind: ComponentKind, type: string): KnownPlugin | undefined {
  for (const plugin of [PACKER_CORE, ...KNOWN_PLUGINS]) {
    if (plugin.providedByKiln) continue;
    if (plugin.components[kind]?.includes(type)) return plugin;
  }
  return undefined;
}

/** A `required_plugins` source address (`github.com/hashicorp/qemu`), matched case-insensitively. */
export function findPluginBySource(source: string): KnownPlugin | undefined {
  const wanted = source.toLowerCase().replace(/^https?:\/\//, '');
  return KNOWN_PLUGINS.find((p) => p.source.toLowerCase() === wanted);
}

/** Every known component type of a kind that Kiln does not have. */
export function catalogueTypes(kind: ComponentKind): string[] {
  return [PACKER_CORE, ...KNOWN_PLUGINS]
    .filter((p) => !p.providedByKiln)
    .flatMap((p) => p.components[kind] ?? []);
}
