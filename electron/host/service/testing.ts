/** A service over a scratch folder for tests: config, data and gallery under `dir`, profiles in a file. */
import { join } from 'node:path';
import type { ApiEvent } from '../../api/types';
import { FileProfileStore } from '../../engine/maas/profiles';
import { createKilnService, type KilnService, type ServiceOptions } from './service';

export function createTestService(
  dir: string,
  events: ApiEvent[],
  overrides: Partial<ServiceOptions> = {},
): KilnService {
  const profiles = join(dir, 'config/maas-profiles.json');
  return createKilnService({
    platform: 'web',
    configDir: join(dir, 'config'),
    dataDir: join(dir, 'data'),
    galleryDir: join(dir, 'gallery'),
    maasProfiles: { store: new FileProfileStore(profiles), storage: { kind: 'file', detail: profiles } },
    emit: (e) => events.push(e),
    ...overrides,
  });
}
