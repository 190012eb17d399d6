// The one way the app talks to the server: a typed client generated from the server's OpenAPI
// (`npm run gen:api` writes schema.d.ts from backend/tests/openapi.snapshot.json).
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Auction = Schemas['AuctionView'];
export type Bid = Schemas['BidView'];
export type Registration = Schemas['RegistrationView'];
export type Deal = Schemas['DealView'];
export type Listing = Schemas['ListingView'];
export type User = Schemas['UserView'];
export type Court = Schemas['CourtView'];
export type MyBid = Schemas['MyBidView'];
export type ResultView = Schemas['ResultView'];

/** An error answer in the contract's shape, or a failure to reach the server (`network`). */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown> | null;
}

let token: string | null = null;

/** The bearer token sent with every request (set by the session). */
export function setToken(value: string | null): void {
  token = value;
}

/** The bearer token, for the one request `api` cannot make: an upload with progress (XMLHttpRequest). */
export function currentToken(): string | null {
  return token;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin });
api.use(auth);

/** The contract's error body as an `ApiFailure`. */
export function failure(status: number, body: unknown): ApiFailure {
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })?.error;
  return {
    status,
    code: error?.code ?? (status >= 500 ? 'server_error' : 'unknown'),
    message: error?.message ?? '',
    details: error?.details ?? null,
  };
}

export const NETWORK_FAILURE: ApiFailure = { status: 0, code: 'network', message: '' };

export type Outcome<T> = { ok: true; data: T; status: number } | { ok: false; error: ApiFailure };

/** Runs a call of `api`, turning an error answer or a network failure into a value. */
export async function call<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await request();
    if (response.ok && data !== undefined) return { ok: true, data, status: response.status };
    return { ok: false, error: failure(response.status, error) };
  } catch {
    return { ok: false, error: NETWORK_FAILURE };
  }
}
