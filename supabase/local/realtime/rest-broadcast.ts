import { bearerToken, headerValue, json, type ApiRequest, type ApiResponse, type ServiceHandler } from '../http.ts';
import type { Caller } from '../callers.ts';
import { errorMessage, type RealtimeDeps } from './deps.ts';
import { payloadTooLarge, type RealtimeLimits } from './limits.ts';
import { isJsonObject, type BroadcastBody, type JsonObject } from './messages.ts';
import { SharedFrame } from './serializer.ts';
import { checkRealtimeToken } from './tokens.ts';

/**
 * Realtime's REST broadcast API (§3.4), mounted at /realtime/v1/api:
 * `POST /broadcast` (batch; also send()'s fallback before a channel is joined) and
 * `POST /broadcast/:topic/events/:event` (`channel.httpSend`). Both answer 202 with no body.
 */
export function createRestBroadcast(deps: RealtimeDeps): ServiceHandler {
	return async (req) => {
		const single = /^\/broadcast\/([^/]+)\/events\/([^/]+)\/?$/.exec(req.path);
		if (req.path !== '/broadcast' && req.path !== '/broadcast/' && !single) return json(404, { message: 'Not found' });
		if (req.method !== 'POST') return json(405, { message: 'Method not allowed' });
		// The bearer token (falling back to the apikey header) must be a JWT with role and exp.
		const check = checkRealtimeToken(bearerToken(req.headers) ?? headerValue(req.headers, 'apikey'), deps.config);
		if (!check.ok) return json(401, { message: 'Unauthorized' });
		const headers = forwardedHeaders(req);
		if (!single) return batch(deps, req, check.caller, headers);
		let topic: string;
		let event: string;
		try {
			topic = decodeURIComponent(single[1]!);
			event = decodeURIComponent(single[2]!);
		} catch {
			return json(422, { errors: { topic: ['is invalid'] } });
		}
		const isPrivate = req.query.get('private') === 'true';
		let body: BroadcastBody;
		if ((headerValue(req.headers, 'content-type') ?? '').startsWith('application/octet-stream')) {
			body = { kind: 'binary', bytes: req.body };
		} else {
			const text = req.body.length ? req.body.toString('utf8') : '{}';
			try {
				JSON.parse(text);
			} catch {
				return json(422, { errors: { payload: ['is not valid JSON'] } });
			}
			body = { kind: 'json', bytes: Buffer.from(text) };
		}
		if (payloadTooLarge(deps.limits, body.bytes.length)) return json(422, { errors: { payload: [TOO_LARGE] } });
		if (isPrivate && !(await mayWrite(deps, check.caller, topic, headers))) {
			return json(401, {
				message: `Unauthorized: You do not have permissions to write to this Channel topic: ${topic}`,
			});
		}
		deps.hub.broadcast(isPrivate, topic, SharedFrame.broadcast(`realtime:${topic}`, event, body));
		return { status: 202 };
	};
}

interface BatchMessage {
	topic: string;
	event: string;
	payload: unknown;
	private: boolean;
	id?: string;
}

async function batch(
	deps: RealtimeDeps,
	req: ApiRequest,
	caller: Caller,
	headers: Record<string, string>,
): Promise<ApiResponse> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(req.body.toString('utf8') || 'null');
	} catch {
		return json(422, { errors: { messages: ['body is not valid JSON'] } });
	}
	const raw = isJsonObject(parsed) ? parsed.messages : undefined;
	if (!Array.isArray(raw) || raw.length === 0) return json(422, { errors: { messages: ["can't be blank"] } });
	const messages: BatchMessage[] = [];
	const problems: JsonObject[] = [];
	for (const m of raw) {
		const problem = validate(m, deps.limits);
		if (problem) problems.push(problem);
		else {
			const v = m as JsonObject;
			messages.push({
				topic: v.topic as string,
				event: v.event as string,
				payload: v.payload ?? {},
				private: v.private === true || v.private === 'true',
				...(typeof v.id === 'string' ? { id: v.id } : {}),
			});
		}
	}
	if (problems.length) return json(422, { errors: { messages: problems } });
	// The write check runs once per private topic; unauthorized topics are skipped silently.
	const allowed = new Map<string, Promise<boolean>>();
	for (const m of messages) {
		if (m.private) {
			let check = allowed.get(m.topic);
			if (!check) allowed.set(m.topic, (check = mayWrite(deps, caller, m.topic, headers)));
			if (!(await check)) continue;
		}
		const body: BroadcastBody = { kind: 'json', bytes: Buffer.from(JSON.stringify(m.payload)) };
		deps.hub.broadcast(
			m.private,
			m.topic,
			SharedFrame.broadcast(`realtime:${m.topic}`, m.event, body, m.id ? { id: m.id } : undefined),
		);
	}
	return { status: 202 };
}

/** Realtime's changeset error for a payload over `max_payload_size_in_kb` (Single/BatchBroadcast). */
const TOO_LARGE = 'Payload size exceeds tenant limit';

function validate(m: unknown, limits: RealtimeLimits): JsonObject | null {
	if (!isJsonObject(m)) return { message: ['must be an object'] };
	const errors: JsonObject = {};
	if (typeof m.topic !== 'string' || !m.topic) errors.topic = ["can't be blank"];
	if (typeof m.event !== 'string' || !m.event) errors.event = ["can't be blank"];
	if (m.payload !== undefined && !isJsonObject(m.payload)) errors.payload = ['is invalid'];
	else if (payloadTooLarge(limits, Buffer.byteLength(JSON.stringify(m.payload ?? {})))) errors.payload = [TOO_LARGE];
	return Object.keys(errors).length ? errors : null;
}

async function mayWrite(
	deps: RealtimeDeps,
	caller: Caller,
	topic: string,
	headers: Record<string, string>,
): Promise<boolean> {
	try {
		return await deps.authorizer.canWrite(caller, topic, 'broadcast', headers);
	} catch (err) {
		deps.log(`realtime: REST write check for ${topic} failed: ${errorMessage(err)}`);
		return false;
	}
}

/** The request headers Realtime exposes to policies as `request.headers` (string values only). */
export function forwardedHeaders(req: Pick<ApiRequest, 'headers'>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (typeof value === 'string' && name !== 'authorization' && name !== 'apikey' && name !== 'cookie')
			out[name] = value;
	}
	return out;
}
