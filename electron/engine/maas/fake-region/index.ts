/** The fake MAAS region: the one test double in Kiln. See `server.ts` and docs/maas-upload.md. */
export {
  startFakeRegion,
  type FakeRegion,
  type FakeRegionOptions,
  type FakeFileInfo,
  type RequestRecord,
  type WriteRecord,
} from './server';
export type { FaultHandle, FaultKind, FaultMatch, FaultSpec } from './faults';
export type { MaasVersionProfile } from './model';
