/**
 * The HCL2 template language's own blocks (not components): which blocks may appear where, their
 * arguments and what they mean, for completion and hover.
 */

export interface BlockArgument {
  name: string;
  type: string;
  doc: string;
  required?: boolean;
}

export interface BlockDoc {
  name: string;
  /** How many labels and what they name. */
  labels: string[];
  doc: string;
  arguments: BlockArgument[];
  /** Block types allowed inside. */
  blocks: string[];
}

const docs: BlockDoc[] = [
  {
    name: 'packer',
    labels: [],
    doc: 'Settings of Packer itself: the version and the plugins the template needs.',
    arguments: [
      {
        name: 'required_version',
        type: 'string',
        doc: 'The Packer versions this template works with, e.g. `>= 1.7.0`.',
      },
    ],
    blocks: ['required_plugins'],
  },
  {
    name: 'required_plugins',
    labels: [],
    doc: 'The plugins the template uses: `name = { version = "...", source = "github.com/hashicorp/name" }`. Kiln answers for its built-in components.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'variable',
    labels: ['name'],
    doc: 'An input variable, set with `-var`, a variable file, `PKR_VAR_<name>` or its default. Read it as `var.<name>`.',
    arguments: [
      {
        name: 'type',
        type: 'type',
        doc: 'The type values must have: `string`, `number`, `bool`, `list(string)`, `map(string)`, `object({...})`, ...',
      },
      {
        name: 'default',
        type: 'any',
        doc: 'The value when none is given. Without a default the variable is required.',
      },
      { name: 'description', type: 'string', doc: 'What the variable is for.' },
      { name: 'sensitive', type: 'bool', doc: 'Keep the value out of every log and screen.' },
      { name: 'nullable', type: 'bool', doc: 'Whether null is an accepted value.' },
    ],
    blocks: ['validation'],
  },
  {
    name: 'validation',
    labels: [],
    doc: "A rule the variable's value must follow.",
    arguments: [
      {
        name: 'condition',
        type: 'bool',
        doc: 'True when the value is acceptable; refer to the value as `var.<name>`.',
        required: true,
      },
      {
        name: 'error_message',
        type: 'string',
        doc: 'What to say when the condition is false.',
        required: true,
      },
    ],
    blocks: [],
  },
  {
    name: 'locals',
    labels: [],
    doc: 'Named values computed from variables and other locals; read them as `local.<name>`.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'local',
    labels: ['name'],
    doc: 'One local value, which may be sensitive; read it as `local.<name>`.',
    arguments: [
      { name: 'expression', type: 'any', doc: 'The value.', required: true },
      { name: 'sensitive', type: 'bool', doc: 'Keep the value out of every log and screen.' },
    ],
    blocks: [],
  },
  {
    name: 'source',
    labels: ['builder type', 'name'],
    doc: 'A builder and its settings: what machine to start and how. Builds name it as `source.<type>.<name>`.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'data',
    labels: ['data source type', 'name'],
    doc: 'A data source, read before the builds; refer to its attributes as `data.<type>.<name>.<attribute>`.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'build',
    labels: [],
    doc: 'A build: which sources to start, then the provisioners that run in them, then the post-processors applied to what they produce.',
    arguments: [
      { name: 'name', type: 'string', doc: 'The build name, used in `-only`/`-except` and in `build.name`.' },
      { name: 'description', type: 'string', doc: 'What the build makes.' },
      { name: 'sources', type: 'list(string)', doc: 'The sources to build, e.g. `["source.qemu.ubuntu"]`.' },
    ],
    blocks: ['source', 'provisioner', 'error-cleanup-provisioner', 'post-processor', 'post-processors'],
  },
  {
    name: 'provisioner',
    labels: ['provisioner type'],
    doc: 'A step run in the machine after it boots, in the order written.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'error-cleanup-provisioner',
    labels: ['provisioner type'],
    doc: 'A provisioner that runs only when the build fails, before the machine is torn down.',
    arguments: [],
    blocks: [],
  },
  {
    name: 'post-processor',
    labels: ['post-processor type'],
    doc: 'A step applied to the artifact the build made (compress it, checksum it, ...).',
    arguments: [],
    blocks: [],
  },
  {
    name: 'post-processors',
    labels: [],
    doc: 'A chain of post-processors: each one receives the artifact of the one before.',
    arguments: [],
    blocks: ['post-processor'],
  },
];

export const BLOCK_DOCS: ReadonlyMap<string, BlockDoc> = new Map(docs.map((d) => [d.name, d]));

/** Blocks allowed at the top of a template file. */
export const TOP_LEVEL_BLOCKS = ['packer', 'variable', 'locals', 'local', 'source', 'data', 'build'];

/** The `var.` / `local.` /... roots an expression can start with, with what they hold. */
export const REFERENCE_ROOTS: Record<string, string> = {
  var: 'The input variables: `var.<name>`.',
  local: 'The local values: `local.<name>`.',
  source: 'Inside a build: the source being built, `source.name` and `source.type`.',
  build:
    "Inside provisioners and post-processors: the build's values, e.g. `build.name`, `build.ID`, `build.Host`.",
  path: '`path.root` (the template folder) and `path.cwd` (the working directory).',
  packer: '`packer.version`: the Packer version Kiln follows.',
  data: 'Data sources: `data.<type>.<name>.<attribute>`.',
};

export function blockMarkdown(doc: BlockDoc): string {
  const labels = doc.labels.map((l) => ` "<${l}>"`).join('');
  return [`**${doc.name}**${labels} block`, '', doc.doc].join('\n');
}
