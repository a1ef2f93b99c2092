// The console's JSON API as the page calls it: same-origin, never cached,
// the session's CSRF token on every change, and the server's own sentence
// as the message of an error. A 401 (the session ended) goes to sign in.
import type { ApiError } from '../api-types.js';

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, payload?: object): Promise<T>;
}

export function apiClient(csrfToken: string): ApiClient {
  async function call<T>(path: string, method: 'GET' | 'POST', payload?: object): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
    if (payload) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: payload ? JSON.stringify(payload) : undefined,
    });
    if (res.status === 401) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
      throw new HttpError('signed out', 401);
    }
    const body = (await res.json().catch(() => null)) as T | ApiError | null;
    if (!res.ok) throw new HttpError((body as ApiError | null)?.message ?? `HTTP ${res.status}`, res.status);
    return body as T;
  }
  return {
    get: (path) => call(path, 'GET'),
    post: (path, payload) => call(path, 'POST', payload),
  };
}
