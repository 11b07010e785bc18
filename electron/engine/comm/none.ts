/**
 * The `none` communicator: commands "succeed" at once without running (exit 0), file transfers fail,
 * exactly as Packer's none communicator does.
 */
import type { Communicator, StartedCommand } from './communicator';

export class NoneCommunicator implements Communicator {
  readonly type = 'none';

  async start(): Promise<StartedCommand> {
    return { exited: Promise.resolve(0) };
  }
  async upload(): Promise<void> {
    throw new Error("Upload is not implemented when communicator = 'none'");
  }
  async uploadDir(): Promise<void> {
    throw new Error("UploadDir is not implemented when communicator = 'none'");
  }
  async download(): Promise<void> {
    throw new Error("Download is not implemented when communicator = 'none'");
  }
  async downloadDir(): Promise<void> {
    throw new Error("DownloadDir is not implemented when communicator = 'none'");
  }
  async close(): Promise<void> {}
}
