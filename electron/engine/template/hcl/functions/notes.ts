/**
 * Why a function Packer knows is not callable in Kiln, added to "Call to unknown function".
 */
const NOT_IN_KILN = (name: string, why: string) =>
  [name, `Packer has a "${name}" function, but Kiln does not provide it: ${why}`] as const;

/**
 * Terraform functions that Packer's table never had (hcl2template/functions.go, up to Packer 1.16):
 * Packer rejects them as unknown, so Kiln does too, and says what to write instead.
 */
const TERRAFORM_ONLY = (name: string, instead: string) =>
  [
    name,
    `"${name}" is a Terraform function; Packer templates do not have it (neither does Kiln, to give Packer's verdict). ${instead}`,
  ] as const;

const CONVERT = (name: string, type: string, what: string) =>
  TERRAFORM_ONLY(name, `To convert a value to ${what}, write convert(value, ${type}).`);

export const DEFAULT_FUNCTION_NOTES: ReadonlyMap<string, string> = new Map<string, string>([
  [
    'env',
    'The env function is only available in the default value of a variable block; elsewhere, declare a variable whose default is env("NAME") and use var.<name>.',
  ],
  CONVERT('tolist', 'list(any)', 'a list'),
  CONVERT('toset', 'set(any)', 'a set'),
  CONVERT('tomap', 'map(any)', 'a map'),
  CONVERT('tostring', 'string', 'a string'),
  CONVERT('tonumber', 'number', 'a number'),
  CONVERT('tobool', 'bool', 'a bool'),
  TERRAFORM_ONLY(
    'one',
    'For the only element of a list, or null when it is empty, write length(x) == 0 ? null : x[0].',
  ),
  TERRAFORM_ONLY(
    'transpose',
    'Write a for expression, e.g. { for v in distinct(flatten(values(m))) : v => [for k, vs in m : k if contains(vs, v)] }.',
  ),
  TERRAFORM_ONLY(
    'setsubtract',
    'Write a for expression, e.g. [for v in a : v if !contains(b, v)], or use setintersection, setunion and setproduct.',
  ),
  TERRAFORM_ONLY(
    'sensitive',
    'Mark a value sensitive where it is declared instead: `sensitive = true` in its variable block, or in a `local` block.',
  ),
  TERRAFORM_ONLY(
    'nonsensitive',
    'A value from a sensitive variable or local stays sensitive, so that Packer and Kiln mask it in logs.',
  ),
  NOT_IN_KILN(
    'aws_secretsmanager',
    'it reads secrets from AWS, which Kiln does not reach. Pass the secret in as a sensitive variable.',
  ),
  NOT_IN_KILN(
    'aws_secretsmanager_raw',
    'it reads secrets from AWS, which Kiln does not reach. Pass the secret in as a sensitive variable.',
  ),
  NOT_IN_KILN(
    'vault',
    'it reads secrets from HashiCorp Vault, which Kiln does not reach. Pass the secret in as a sensitive variable.',
  ),
  NOT_IN_KILN(
    'consul_key',
    'it reads keys from Consul, which Kiln does not reach. Pass the value in as a variable.',
  ),
  NOT_IN_KILN(
    'bcrypt',
    'its output is random on every run. Hash the password once and pass the hash in as a variable.',
  ),
  NOT_IN_KILN(
    'rsadecrypt',
    'decrypting with RSA private keys is outside what Kiln templates do. Decrypt beforehand and pass the value in as a sensitive variable.',
  ),
]);
