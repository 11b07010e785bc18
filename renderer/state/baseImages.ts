/** The base-image picker's state: which qemu block it fills in, and the downloads the engine reports. */
import { create } from 'zustand';
import type { BaseImageFetch } from '../../electron/api/types';

export interface BaseImagesState {
  /** The block the picker writes `iso_url`/`iso_checksum` into; absent when the picker is closed. */
  picker?: { address: string; title: string; diskImage: boolean };
  fetches: Record<string, BaseImageFetch>;
}

export const useBaseImages = create<BaseImagesState>(() => ({ fetches: {} }));

export function onBaseImageFetch(fetch: BaseImageFetch): void {
  useBaseImages.setState((s) => ({ fetches: { ...s.fetches, [fetch.fetchId]: fetch } }));
}
