import { randomBytes } from 'node:crypto';
import { json, type ApiRequest, type ApiResponse } from '../http.ts';

/** An address as Mailpit reports it. */
export interface MailAddress {
	Name: string;
	Address: string;
}

/** A message in the local inbox, with Mailpit's field names (its `Message` object). */
export interface MailMessage {
	ID: string;
	MessageID: string;
	From: MailAddress;
	To: MailAddress[];
	Subject: string;
	/** RFC 3339. */
	Created: string;
	Text: string;
	HTML: string;
	Read: boolean;
}

export interface OutgoingMail {
	to: string;
	subject: string;
	html: string;
	text: string;
}

/** The sender GoTrue uses when no SMTP sender is configured (the CLI's default admin email). */
export const MAIL_FROM: MailAddress = { Name: 'Supabase Auth', Address: 'admin@email.com' };

/** Oldest messages are dropped past this, so a script signing up in a loop cannot grow memory. */
export const INBOX_CAPACITY = 1000;

/**
 * The Auth mailer's local inbox, in memory, like the Supabase CLI's mail catcher (Mailpit): every
 * confirmation the Auth service would send by SMTP lands here instead, and {@link handleInbox}
 * serves it over HTTP in Mailpit's API shape. It lives as long as the API handle, so it survives
 * an API stop/start but not a stack restart.
 */
export class Inbox {
	readonly #messages: MailMessage[] = [];

	send(mail: OutgoingMail): MailMessage {
		const id = randomBytes(11).toString('base64url');
		const message: MailMessage = {
			ID: id,
			MessageID: `${id}@localhost`,
			From: MAIL_FROM,
			To: [{ Name: '', Address: mail.to }],
			Subject: mail.subject,
			Created: new Date().toISOString(),
			Text: mail.text,
			HTML: mail.html,
			Read: false,
		};
		this.#messages.push(message);
		if (this.#messages.length > INBOX_CAPACITY) this.#messages.splice(0, this.#messages.length - INBOX_CAPACITY);
		return message;
	}

	/** Newest first, as Mailpit lists them. */
	list(to?: string): MailMessage[] {
		const wanted = to?.toLowerCase();
		return this.#messages.filter((m) => !wanted || m.To.some((a) => a.Address.toLowerCase() === wanted)).reverse();
	}

	get(id: string): MailMessage | undefined {
		return this.#messages.find((m) => m.ID === id);
	}

	/** Deletes the given messages, or all of them. */
	delete(ids?: string[]): void {
		if (!ids) {
			this.#messages.length = 0;
			return;
		}
		const gone = new Set(ids);
		const kept = this.#messages.filter((m) => !gone.has(m.ID));
		this.#messages.splice(0, this.#messages.length, ...kept);
	}
}

/**
 * Mailpit's HTTP API, for the routes tests and people use (prefix `/inbox` already stripped):
 *
 * - `GET /api/v1/messages` — summaries, newest first: `{total, unread, count, messages_count, start, tags, messages}`;
 * - `GET /api/v1/search?query=to:addr@example.com` — the same, for one recipient;
 * - `GET /api/v1/message/{ID}` — one message with `Text` and `HTML` (marks it read);
 * - `DELETE /api/v1/messages` — all, or `{"IDs": [...]}`.
 */
export async function handleInbox(inbox: Inbox, req: ApiRequest): Promise<ApiResponse> {
	const path = req.path.replace(/\/+$/, '');
	if (path === '/api/v1/messages' && req.method === 'GET') return listing(inbox.list());
	if (path === '/api/v1/search' && req.method === 'GET') {
		const query = req.query.get('query') ?? '';
		const to = /^to:"?([^"\s]+)"?$/.exec(query.trim())?.[1];
		if (!to) return json(400, { Error: 'only to:<address> searches are supported locally' });
		return listing(inbox.list(to));
	}
	if (path === '/api/v1/messages' && req.method === 'DELETE') {
		const ids = parseIds(req.body);
		if (ids === 'invalid') return json(400, { Error: 'body must be empty or {"IDs": [string, ...]}' });
		inbox.delete(ids);
		return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
	}
	const one = /^\/api\/v1\/message\/([^/]+)$/.exec(path);
	if (one && req.method === 'GET') {
		const message = inbox.get(decodeURIComponent(one[1]!));
		if (!message) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
		message.Read = true;
		return json(200, fullMessage(message));
	}
	return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '404 page not found' };
}

function listing(messages: MailMessage[]): ApiResponse {
	const unread = messages.filter((m) => !m.Read).length;
	return json(200, {
		total: messages.length,
		unread,
		count: messages.length,
		messages_count: messages.length,
		messages_unread: unread,
		start: 0,
		tags: [],
		messages: messages.map(summary),
	});
}

function summary(m: MailMessage): Record<string, unknown> {
	return {
		ID: m.ID,
		MessageID: m.MessageID,
		Read: m.Read,
		From: m.From,
		To: m.To,
		Cc: [],
		Bcc: [],
		ReplyTo: [],
		Subject: m.Subject,
		Created: m.Created,
		Tags: [],
		Size: Buffer.byteLength(m.HTML) + Buffer.byteLength(m.Text),
		Attachments: 0,
		Snippet: m.Text.replace(/\s+/g, ' ').trim().slice(0, 250),
	};
}

function fullMessage(m: MailMessage): Record<string, unknown> {
	return {
		ID: m.ID,
		MessageID: m.MessageID,
		From: m.From,
		To: m.To,
		Cc: [],
		Bcc: [],
		ReplyTo: [],
		ReturnPath: m.From.Address,
		Subject: m.Subject,
		Date: m.Created,
		Tags: [],
		Text: m.Text,
		HTML: m.HTML,
		Size: Buffer.byteLength(m.HTML) + Buffer.byteLength(m.Text),
		Inline: [],
		Attachments: [],
	};
}

function parseIds(body: Buffer): string[] | undefined | 'invalid' {
	if (body.length === 0) return undefined;
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		if (parsed === null) return undefined;
		const ids = (parsed as { IDs?: unknown }).IDs;
		if (ids === undefined) return undefined;
		if (Array.isArray(ids) && ids.every((id) => typeof id === 'string')) return ids as string[];
		return 'invalid';
	} catch {
		return 'invalid';
	}
}
