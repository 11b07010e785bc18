/**
 * Why a function Packer knows is not callable in Kiln, added to "Call to unknown function".
 */
const NOT_IN_KILN = (name: string, why: string) =>
  [name, `Packer has a "${name}" function, but Kiln does not provide it: ${why}`] as const;

export const DEFAULT_FUNCTION_NOTES: ReadonlyMap<string, string> = new Map<string, string>([
  [
    'env',
    'The env function is only available in the default value of a variable block; elsewhere, declare a variable whose default is env("NAME") and use var.<name>.',
  ],
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
