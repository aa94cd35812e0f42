import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** A request as a service sees it: the service prefix (/auth/v1, …) already stripped. */
export interface ApiRequest {
	readonly method: string;
	/** Path after the service prefix, starting with '/', e.g. '/rpc/push_changes'. */
	readonly path: string;
	readonly query: URLSearchParams;
	readonly headers: IncomingHttpHeaders;
	/** The raw body (empty for none); services parse it so each can answer in its own error shape. */
	readonly body: Buffer;
	readonly raw: IncomingMessage;
}

export interface ApiResponse {
	status: number;
	headers?: Record<string, string>;
	/** Objects and arrays are sent as JSON; a string or Buffer as is; undefined means no body. */
	body?: unknown;
}

export type ServiceHandler = (req: ApiRequest) => Promise<ApiResponse>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
	return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
	const value = headers.authorization;
	if (typeof value !== 'string') return null;
	const match = /^bearer\s+(\S+)\s*$/i.exec(value);
	return match ? match[1]! : null;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}
