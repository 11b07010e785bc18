/**
 * The null builder: connects with the communicator (ssh to ssh_host, or none) and runs the
 * provisioners; its artifact is nothing ("Did not export anything. This is the null builder").
 */
import type { Artifact, Builder, BuilderContext } from '../../build/components';
import { StepProvision } from '../../build/provision';
import { ERROR, INSTANCE_ID } from '../../build/step';
import type { CommunicatorConfig } from '../../comm/config';
import { StepConnect } from '../../comm/step-connect';

export const NULL_BUILDER_ID = 'fnoeding.null';

export type NullBuilderConfig = CommunicatorConfig;

/** Packer's null Prepare checks (the communicator's own ones come from the schema). */
export function validateNullBuilder(config: NullBuilderConfig): void {
  const errors: string[] = [];
  if ((config.communicator || 'ssh') !== 'none') {
    if (!config.ssh_host)
      errors.push('a Host must be specified, please reference your communicator documentation');
    if (!config.ssh_username)
      errors.push('a Username must be specified, please reference your communicator documentation');
    if (!config.ssh_agent_auth && !config.ssh_password && !config.ssh_private_key_file) {
      errors.push(
        'one authentication method must be specified, please reference your communicator documentation',
      );
    }
    if (
      (config.ssh_agent_auth && (config.ssh_password || config.ssh_private_key_file)) ||
      (config.ssh_password && config.ssh_private_key_file)
    ) {
      errors.push('only one of ssh_agent_auth, ssh_password, and ssh_private_key_file must be specified');
    }
  }
  if (errors.length === 1) throw new Error(errors[0]);
  if (errors.length)
    throw new Error(`${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`);
}

export class NullArtifact implements Artifact {
  readonly builderId = NULL_BUILDER_ID;
  readonly id = 'Null';
  readonly files: string[] = [];
  readonly generatedData = { ID: 'Null' };
  describe(): string {
    return 'Did not export anything. This is the null builder';
  }
  async destroy(): Promise<void> {}
}

export class NullBuilder implements Builder {
  constructor(private readonly config: NullBuilderConfig) {
    validateNullBuilder(config);
  }

  async run(ctx: BuilderContext): Promise<Artifact | undefined> {
    const state = ctx.newState();
    state.put(INSTANCE_ID, 'Null');
    const steps = [
      new StepConnect(this.config, { host: () => this.config.ssh_host ?? '' }),
      new StepProvision(ctx.hook, ctx.build.runUuid),
    ];
    await ctx.runSteps(steps, state);
    const error = state.get(ERROR);
    if (error) throw error;
    if (ctx.signal.aborted) return undefined;
    return new NullArtifact();
  }
}
