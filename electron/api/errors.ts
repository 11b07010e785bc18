/** The one error type the Api fails with: a code the UI can act on and a message naming what is at fault. */
import type { ApiErrorCode, ApiErrorShape } from './types';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message };
  }

  static from(shape: ApiErrorShape): ApiError {
    return new ApiError(shape.code, shape.message);
  }
}

export function isApiErrorShape(value: unknown): value is ApiErrorShape {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}
