/**
 * A build is a list of steps run by one runner (Packer's multistep). A builder such as qemu gives the
 * runner ~20 steps; each may put values in the shared state for later steps, and each step that ran
 * is cleaned up in reverse order, whatever happened.
 */
import type { OnErrorMode } from './events';
import type { StateBag } from './state';
import { stateKey } from './state';
import type { BuildUi } from './ui';
import type { Communicator } from '../comm/communicator';

export type StepAction = 'continue' | 'halt';

export interface StepContext {
  /** Aborted when the build is cancelled; steps stop what they do and return `halt` (or throw). */
  signal: AbortSignal;
  state: StateBag;
  ui: BuildUi;
}

/** Cleanup has no signal: it must run to the end even after a cancel. */
export interface CleanupContext {
  state: StateBag;
  ui: BuildUi;
}

export interface Step {
  /** Packer's step type name, as -debug and -on-error print it (`StepConnect`, `stepRun`). */
  readonly name: string;
  /** A short title for the GUI timeline (`Connect with SSH`); defaults to the name. */
  readonly title?: string;
  /**
   * Runs the step. Return `halt` after putting an error in state (`ERROR`) to stop the build, or throw:
   * a thrown error is put in state as the build's error and halts the build (nothing is printed, as in
   * Packer, where the error is shown in `Build 'x' errored …`).
   */
  run(ctx: StepContext): Promise<StepAction>;
  /** Undoes what run did. Runs for every step whose run was called, in reverse order. */
  cleanup?(ctx: CleanupContext): Promise<void>;
}

/** Well-known state keys (Packer's names). */
export const ERROR = stateKey<Error>('error');
export const CANCELLED = stateKey<boolean>('cancelled');
export const HALTED = stateKey<boolean>('halted');
export const ABORTED = stateKey<boolean>('aborted');
export const COMMUNICATOR = stateKey<Communicator>('communicator');
export const INSTANCE_ID = stateKey<string>('instance_id');
export const HTTP_IP = stateKey<string>('http_ip');
export const HTTP_PORT = stateKey<number>('http_port');
/** Where the communicator connected (Host, Port, User, Password, ConnType, SSHPublicKey, ...). */
export const COMM_DATA = stateKey<Record<string, string>>('communicator_config');
/** Generated data published by the builder so far; StepProvision adds the rest. */
export const GENERATED_DATA = stateKey<Record<string, string>>('generated_data');

export interface RunnerOptions {
  debug: boolean;
  onError: OnErrorMode;
  /** -on-error=ask also offers `k`: keep the VM running for inspection, then ask again (the app). */
  keepForInspection?: boolean;
}
