import type { StackContext } from '../context.ts';
import type { ApiRequest, ApiResponse, ServiceHandler } from '../http.ts';
import {
	API_VERSION_HEADERS,
	DATABASE_UNAVAILABLE,
	errorResponse,
	isDatabaseUnavailable,
	UNEXPECTED_FAILURE,
	type AuthError,
} from './errors.ts';
import { okJson, type AuthHandler } from './handler.ts';
import { signup } from './signup.ts';
import { token } from './token.ts';
import { getUser, logout, updateUser } from './user.ts';
import { verifyGet, verifyPost } from './verify.ts';

/**
 * The GoTrue-compatible Auth service behind `/auth/v1` (prefix already stripped): the endpoints
 * supabase-js's auth client calls, with GoTrue's statuses, error codes and JSON shapes
 * (protocol reference §1). Every response carries `X-Supabase-Api-Version: 2024-01-01`, which
 * tells auth-js to read `code` from error bodies.
 */
export function createAuthService(ctx: StackContext): {
	handle: ServiceHandler;
} {
	return {
		handle: async (req) => withVersionHeader(await dispatch(ctx, req)),
	};
}

const health: AuthHandler = async () =>
	okJson({
		version: 'local',
		name: 'GoTrue',
		description: 'GoTrue is a user registration and authentication API',
	});

/** GoTrue's /settings with the local stack's configuration (the CLI's defaults, anonymous toggle). */
const settings: AuthHandler = async (ctx) =>
	okJson({
		external: {
			...Object.fromEntries(OAUTH_PROVIDERS.map((p) => [p, false])),
			anonymous_users: ctx.config.anonymousSignIns,
			email: true,
			phone: false,
		},
		disable_signup: false,
		mailer_autoconfirm: !ctx.config.confirmEmail,
		phone_autoconfirm: false,
		sms_provider: '',
		saml_enabled: false,
		saml_private_key_next_configured: false,
		passkeys_enabled: false,
	});

const OAUTH_PROVIDERS = [
	'apple',
	'azure',
	'bitbucket',
	'discord',
	'facebook',
	'snapchat',
	'figma',
	'fly',
	'github',
	'gitlab',
	'google',
	'keycloak',
	'kakao',
	'linkedin',
	'linkedin_oidc',
	'notion',
	'spotify',
	'slack',
	'slack_oidc',
	'workos',
	'twitch',
	'twitter',
	'zoom',
];

/** Tokens are HS256 only, so there is no public key to publish (getClaims() then calls /user). */
const jwks: AuthHandler = async () => okJson({ keys: [] });

const ROUTES: Record<string, Partial<Record<string, AuthHandler>>> = {
	'/health': { GET: health },
	'/settings': { GET: settings },
	'/.well-known/jwks.json': { GET: jwks },
	'/signup': { POST: signup },
	'/token': { POST: token },
	'/user': { GET: getUser, PUT: updateUser },
	'/logout': { POST: logout },
	'/verify': { GET: verifyGet, POST: verifyPost },
};

async function dispatch(ctx: StackContext, req: ApiRequest): Promise<ApiResponse> {
	const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
	const methods = ROUTES[path];
	const method = req.method === 'HEAD' ? 'GET' : req.method;
	if (!methods)
		return errorResponse({
			status: 404,
			code: 'not_found',
			message: '404 page not found',
		});
	const handler = methods[method];
	if (!handler) {
		return errorResponse({
			status: 405,
			code: 'method_not_allowed',
			message: `Method ${req.method} not allowed`,
		});
	}
	try {
		const result = await handler(ctx, req);
		return result.ok ? result.value : errorResponse(result.error);
	} catch (err) {
		return errorResponse(unexpected(ctx, req, err));
	}
}

function unexpected(ctx: StackContext, req: ApiRequest, err: unknown): AuthError {
	if (isDatabaseUnavailable(err)) {
		ctx.log(`auth: database unavailable on ${req.method} ${req.path}: ${(err as Error).message}`);
		return DATABASE_UNAVAILABLE;
	}
	ctx.log(`auth: unexpected error on ${req.method} ${req.path}: ${err instanceof Error ? err.stack : String(err)}`);
	return UNEXPECTED_FAILURE;
}

function withVersionHeader(response: ApiResponse): ApiResponse {
	return {
		...response,
		headers: { ...response.headers, ...API_VERSION_HEADERS },
	};
}
