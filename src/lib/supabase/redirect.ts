/** What a confirmation link brought back to the app in the URL fragment (GoTrue's implicit flow). */
export type AuthRedirect =
	| { kind: 'session'; accessToken: string; refreshToken: string; type: string }
	| { kind: 'message'; message: string }
	| { kind: 'error'; code: string; description: string };

/**
 * Reads GoTrue's redirect fragment: `#access_token=…&refresh_token=…&type=…`, `#message=…` (the
 * first of two email-change links), or `#error=…&error_code=…&error_description=…`. Null for any
 * other URL, so the app can call it on every load.
 */
export function parseAuthRedirect(url: string | URL): AuthRedirect | null {
	const hash = new URL(url).hash.replace(/^#/, '');
	if (!hash) return null;
	const params = new URLSearchParams(hash);
	const accessToken = params.get('access_token');
	const refreshToken = params.get('refresh_token');
	if (accessToken && refreshToken) {
		return { kind: 'session', accessToken, refreshToken, type: params.get('type') ?? '' };
	}
	const code = params.get('error_code');
	if (code || params.get('error')) {
		return {
			kind: 'error',
			code: code ?? params.get('error') ?? 'unknown',
			description: params.get('error_description') ?? '',
		};
	}
	const message = params.get('message');
	return message ? { kind: 'message', message } : null;
}
