/**
 * The shell-local post-processor: runs like the provisioner, with the artifact's generated data, and
 * always passes its input artifact on (keep_input_artifact has no effect on it).
 */
import type {
  Artifact,
  ComponentContext,
  PostProcessor,
  PostProcessResult,
  Render,
} from '../build/components';
import type { ShellLocalConfig } from '../provisioners/shell-local';
import { prepareShellLocal, runShellLocal } from '../provisioners/shell-local';

export class ShellLocalPostProcessor implements PostProcessor {
  constructor(
    private readonly config: ShellLocalConfig,
    private readonly render: Render,
    cwd: string,
  ) {
    prepareShellLocal(config, cwd);
  }

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    await runShellLocal(this.config, ctx, input.generatedData ?? {}, this.render);
    return { artifact: input, keep: true, forceOverride: true };
  }
}
