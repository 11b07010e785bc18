/** The image inspector: open on a file (an artifact, or a path typed in it), or closed. */
import { create } from 'zustand';

export interface InspectorState {
  target?: { path: string };
}

export const useInspector = create<InspectorState>(() => ({}));
