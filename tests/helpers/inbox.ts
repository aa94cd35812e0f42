import { expect } from 'vitest';
import type { ApiHandle } from '../../supabase/local/stack.ts';
import { eventually } from './stack.ts';

/** A message as the local inbox's Mailpit-shaped API returns it (`GET /inbox/api/v1/message/{ID}`). */
export interface InboxMessage {
	ID: string;
	To: { Name: string; Address: string }[];
	Subject: string;
	Text: string;
	HTML: string;
}

/** Every message sent to `address`, newest first, read over HTTP as a person's mail client would. */
export async function mailTo(api: Pick<ApiHandle, 'url'>, address: string): Promise<InboxMessage[]> {
	const search = await fetch(`${api.url}/inbox/api/v1/search?query=${encodeURIComponent(`to:${address}`)}`);
	expect(search.status).toBe(200);
	const { messages } = (await search.json()) as { messages: { ID: string }[] };
	return Promise.all(
		messages.map(
			async ({ ID }) => (await (await fetch(`${api.url}/inbox/api/v1/message/${ID}`)).json()) as InboxMessage,
		),
	);
}

/** Waits for the `count`-th message to `address` and returns the newest one. */
export async function latestMailTo(api: Pick<ApiHandle, 'url'>, address: string, count = 1): Promise<InboxMessage> {
	const messages = await eventually(async () => {
		const found = await mailTo(api, address);
		return found.length >= count ? found : null;
	}, `${count} message(s) to ${address}`);
	return messages[0]!;
}

/** The confirmation link of a mail (GoTrue's `{{ .ConfirmationURL }}`). */
export function confirmationLink(message: InboxMessage): string {
	const match = /href="([^"]+\/auth\/v1\/verify\?[^"]+)"/.exec(message.HTML);
	if (!match) throw new Error(`no confirmation link in ${JSON.stringify(message.HTML)}`);
	return match[1]!.replaceAll('&#38;', '&');
}

/** The six-digit code of a mail, for `verifyOtp({ email, token })`. */
export function confirmationCode(message: InboxMessage): string {
	const match = /code: (\d{6})/.exec(message.Text);
	if (!match) throw new Error(`no code in ${JSON.stringify(message.Text)}`);
	return match[1]!;
}

/**
 * Follows a confirmation link the way a browser does up to the app: GET it, expect GoTrue's 303,
 * and return where it points, with the fragment's parameters parsed.
 */
export async function followLink(link: string): Promise<{ location: URL; fragment: URLSearchParams }> {
	const response = await fetch(link, { redirect: 'manual' });
	expect(response.status).toBe(303);
	const location = new URL(response.headers.get('location')!);
	return { location, fragment: new URLSearchParams(location.hash.slice(1)) };
}
