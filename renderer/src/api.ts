import type { FerryApi, Result } from '../../preload/api';

declare global {
  interface Window {
    ferry: FerryApi;
  }
}

/** An error from the main process, with its code and a message meant for the user. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Unwraps a call's result: the value, or an ApiError carrying main's message. */
export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  const r = await pending;
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.value;
}

export const ferry = (): FerryApi => window.ferry;

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
