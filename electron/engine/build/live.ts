/**
 * Live handles: what a running build lets the app reach while it runs, beyond its events. A step
 * publishes a handle when the thing exists (the SSH connection once connected, the VM once started) and
 * withdraws it before tearing the thing down; the app looks handles up by build and name, and learns of
 * them from `handle` events. The CLI uses the `vm` handle for `kiln build --console`.
 */

/** An interactive shell on the guest (a login shell on a pty). */
export interface ShellSession {
  write(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  /** Ends the shell; idempotent. */
  close(): void;
  onData(listener: (data: Uint8Array) => void): void;
  /** Called once, when the shell ends for whatever reason. */
  onClose(listener: (reason?: string) => void): void;
}

export interface ShellOptions {
  cols: number;
  rows: number;
  /** TERM for the remote pty; `xterm-256color` when absent. */
  term?: string;
}

/** Opens shells over the build's own connection (the SSH communicator). */
export interface InteractiveShell {
  openShell(options: ShellOptions): Promise<ShellSession>;
}

/** The VM a builder runs: its serial console's input and its screen. */
export interface VmControls {
  /** Sends bytes to the VM's serial console, as if typed on it. */
  writeConsole(data: Uint8Array | string): void;
  /** Writes a PNG screenshot of the VM's screen to `file`. */
  screendump(file: string): Promise<void>;
}

export interface LiveHandles {
  shell: InteractiveShell;
  vm: VmControls;
}

export type LiveHandleName = keyof LiveHandles;
