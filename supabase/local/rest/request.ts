import type { IncomingHttpHeaders } from 'node:http';
import { headerValue } from '../http.ts';
import { restError } from './errors.ts';
import { EXPOSED_SCHEMAS } from './schema-cache.ts';

/** The parts of the `Prefer` header the local API honours. */
export interface Preferences {
	return: 'representation' | 'minimal' | 'headers-only' | undefined;
	/** planned/estimated are answered with the exact count: cheap at local sizes. */
	count: boolean;
	missingDefault: boolean;
}

export function parsePreferences(headers: IncomingHttpHeaders): Preferences {
	const raw = headers.prefer;
	const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
	const prefs: Preferences = { return: undefined, count: false, missingDefault: false };
	for (const item of text.split(',')) {
		const [key, value] = item
			.trim()
			.split('=')
			.map((s) => s.trim());
		if (key === 'return' && (value === 'representation' || value === 'minimal' || value === 'headers-only')) {
			prefs.return = value;
		} else if (key === 'count' && (value === 'exact' || value === 'planned' || value === 'estimated')) {
			prefs.count = true;
		} else if (key === 'missing' && value === 'default') {
			prefs.missingDefault = true;
		}
	}
	return prefs;
}

/** What the `Accept` header asks of the body. */
export interface Accepting {
	singleObject: boolean;
	stripNulls: boolean;
}

export function parseAccept(headers: IncomingHttpHeaders): Accepting {
	const accept = (headerValue(headers, 'accept') ?? '').toLowerCase();
	return {
		singleObject: accept.includes('application/vnd.pgrst.object'),
		stripNulls: /nulls=stripped/.test(accept),
	};
}

/**
 * The schema a request addresses: `Accept-Profile` for reads, `Content-Profile` for writes, the
 * first exposed schema when absent. Anything not exposed is 406 PGRST106.
 */
export function requestSchema(method: string, headers: IncomingHttpHeaders): string {
	const header = method === 'GET' || method === 'HEAD' ? 'accept-profile' : 'content-profile';
	const schema = headerValue(headers, header) ?? EXPOSED_SCHEMAS[0];
	if (!(EXPOSED_SCHEMAS as readonly string[]).includes(schema)) {
		throw restError(
			406,
			'PGRST106',
			`Invalid schema: ${schema}`,
			null,
			`Only the following schemas are exposed: ${EXPOSED_SCHEMAS.join(', ')}`,
		);
	}
	return schema;
}

export type JsonBody =
	| { kind: 'object'; value: Record<string, unknown>; text: string }
	| { kind: 'array'; value: unknown[]; text: string }
	| { kind: 'other'; value: unknown; text: string };

/** The JSON body; an empty body counts as `{}` (supabase-js sends none for some calls). */
export function parseJsonBody(body: Buffer): JsonBody {
	const text = body.length === 0 ? '{}' : body.toString('utf8');
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw restError(400, 'PGRST102', 'Empty or invalid json');
	}
	if (Array.isArray(value)) return { kind: 'array', value, text };
	if (value !== null && typeof value === 'object')
		return { kind: 'object', value: value as Record<string, unknown>, text };
	return { kind: 'other', value, text };
}

/** Request headers as PostgREST puts them in `request.headers`: lower-case names, no Cookie. */
export function headersForGuc(headers: IncomingHttpHeaders): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (name === 'cookie' || value === undefined) continue;
		out[name] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}
