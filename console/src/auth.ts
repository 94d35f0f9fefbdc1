// Where the API is, and who the operator is. Served by the embedded runtime, the console
// has no config.json and calls its own origin. Deployed on CloudFront, config.json names the
// API and the OpenID Connect issuer and client to sign in with (authorization code + PKCE);
// the access token goes with every API call.
import { challengeOf, newVerifier } from './pkce.ts';

type ConsoleConfig = { apiUrl: string; signIn: { issuer: string; clientId: string; scopes: string[] } };
type Endpoints = { authorization_endpoint: string; token_endpoint: string };

let config: ConsoleConfig | undefined;
const TOKEN = 'rondo.token';
const PENDING = 'rondo.pkce';

export const apiBase = () => config?.apiUrl.replace(/\/+$/, '') ?? '';

export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN);
  return token ? { authorization: `Bearer ${JSON.parse(token).accessToken as string}` } : {};
}

async function endpoints(): Promise<Endpoints> {
  const issuer = config?.signIn.issuer.replace(/\/+$/, '') ?? '';
  return (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Endpoints;
}

/** Sends the operator to the issuer to sign in; comes back to this page with a code. */
export async function signIn(): Promise<void> {
  if (!config) return;
  const verifier = newVerifier();
  const state = newVerifier();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: window.location.hash }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.signIn.clientId,
    redirect_uri: `${window.location.origin}/`,
    scope: config.signIn.scopes.join(' '),
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  });
  window.location.assign(`${(await endpoints()).authorization_endpoint}?${query}`);
}

/** Reads config.json; finishes a sign-in the issuer sent back; signs in when no token is held. */
export async function startSession(): Promise<void> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  // The embedded runtime answers every unknown path with the app itself: no config there.
  if (!response.ok || !response.headers.get('content-type')?.includes('json')) return;
  config = (await response.json()) as ConsoleConfig;
  const params = new URLSearchParams(window.location.search);
  const pending = sessionStorage.getItem(PENDING);
  if (params.get('code') && pending) {
    const { verifier, state, hash } = JSON.parse(pending) as {
      verifier: string;
      state: string;
      hash: string;
    };
    sessionStorage.removeItem(PENDING);
    if (params.get('state') !== state) throw new Error('sign-in answer does not match the request (state)');
    const token = await fetch((await endpoints()).token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.signIn.clientId,
        code: params.get('code') ?? '',
        redirect_uri: `${window.location.origin}/`,
        code_verifier: verifier,
      }),
    });
    if (!token.ok) throw new Error(`sign-in failed: ${token.status}`);
    const { access_token, expires_in } = (await token.json()) as { access_token: string; expires_in: number };
    sessionStorage.setItem(
      TOKEN,
      JSON.stringify({ accessToken: access_token, expiresAt: Date.now() + expires_in * 1000 }),
    );
    window.history.replaceState(null, '', `/${hash}`);
    return;
  }
  const held = sessionStorage.getItem(TOKEN);
  if (!held || (JSON.parse(held) as { expiresAt: number }).expiresAt < Date.now() + 60_000) await signIn();
}

/** A 401 from the API: the token expired or was revoked; sign in again. */
export async function signInAgain(): Promise<void> {
  sessionStorage.removeItem(TOKEN);
  await signIn();
}
