/** The HTTP server keys (packer-plugin-sdk commonsteps.HTTPConfig): serve files to the installer. */
import { int, known, str, stringMap } from '../fields';
import { statError } from '../paths';
import type { FieldsOf, PrepareContext } from '../types';

export interface HttpConfig {
  http_directory: string;
  /** Request path (starting with `/`) → file content. */
  http_content: Record<string, string>;
  http_port_min: number;
  http_port_max: number;
  http_bind_address: string;
  http_interface: string;
  /** `tcp`, `tcp4`, `tcp6`, `unix` or `unixpacket`. */
  http_network_protocol: string;
}

const PROTOCOLS = ['tcp', 'tcp4', 'tcp6', 'unix', 'unixpacket'];

export const HTTP_FIELDS: FieldsOf<HttpConfig> = {
  http_directory: str('A folder to serve over HTTP to the guest (kickstart, preseed, autoinstall files).', {
    details:
      'Files are served at `http://{{ .HTTPIP }}:{{ .HTTPPort }}/<path>`; with qemu user networking the guest ' +
      'reaches the host as 10.0.2.2. No server is started when neither this nor `http_content` is set. ' +
      'A relative path is relative to the directory Kiln runs in.',
    path: 'dir',
  }),
  http_content: stringMap(
    'Files to serve from memory: request path → content. Conflicts with `http_directory`.',
    {
      details:
        'Keys are request paths starting with `/`. Example (HCL2):\n\n```hcl\nhttp_content = {\n  "/ks.cfg" = templatefile("ks.pkrtpl", { user = var.user })\n}\n```',
    },
  ),
  http_port_min: int('Lowest port the HTTP server may use.', { default: { value: 8000, text: '8000' } }),
  http_port_max: int('Highest port the HTTP server may use; set both equal to force one port.', {
    default: { value: 9000, text: '9000' },
  }),
  http_bind_address: str('The address the HTTP server listens on.', {
    default: { value: '0.0.0.0', text: '0.0.0.0' },
  }),
  http_interface: str('Listen on the first address of this network interface instead of http_bind_address.', {
    undocumented: true,
  }),
  http_network_protocol: str(
    'The network the HTTP server listens on: `tcp`, `tcp4`, `tcp6`, `unix` or `unixpacket`.',
    {
      default: { value: 'tcp', text: 'tcp' },
      allowed: PROTOCOLS,
    },
  ),
};

/** commonsteps.HTTPConfig.Prepare, plus Kiln's early check that http_directory exists. */
export function prepareHttp(ctx: PrepareContext<HttpConfig>): void {
  const d = ctx.draft;
  if (d.http_port_min === 0) d.http_port_min = 8000;
  if (d.http_port_max === 0) d.http_port_max = 9000;
  if (
    known(d.http_interface) &&
    d.http_interface !== '' &&
    known(d.http_bind_address) &&
    d.http_bind_address !== ''
  ) {
    ctx.error('either http_interface or http_bind_address can be specified', 'http_interface');
  }
  if (d.http_bind_address === '') d.http_bind_address = '0.0.0.0';
  if (known(d.http_port_min) && known(d.http_port_max) && d.http_port_min > d.http_port_max) {
    ctx.error('http_port_min must be less than http_port_max', 'http_port_min');
  }
  const content = d.http_content;
  if (
    known(content) &&
    Object.keys(content).length > 0 &&
    known(d.http_directory) &&
    d.http_directory !== ''
  ) {
    ctx.error(
      'http_content cannot be used in conjunction with http_dir. Consider using the file function to load file in memory and serve them with http_content: https://www.packer.io/docs/templates/hcl_templates/functions/file/file',
      'http_content',
    );
  }
  if (d.http_network_protocol === '') d.http_network_protocol = 'tcp';
  if (known(d.http_network_protocol) && !PROTOCOLS.includes(d.http_network_protocol)) {
    ctx.error(
      `http_network_protocol is invalid. Must be one of: [${PROTOCOLS.join(' ')}]`,
      'http_network_protocol',
    );
  }
  // Packer only finds out when the build starts its HTTP server; Kiln says so at validate time.
  if (known(d.http_directory) && d.http_directory !== '') {
    const missing = statError(ctx.host, d.http_directory);
    if (missing) {
      ctx.note(
        'error',
        `Error finding ${JSON.stringify(d.http_directory)}: ${missing}`,
        'http_directory',
        '"http_directory" names a folder that does not exist',
      );
    }
  }
}
