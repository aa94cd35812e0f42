// Change messages: every user action is one Automerge change whose message is a small JSON object,
// `{"action":"renameItem","by":"<personId>","itemId":"..."}`. History views parse it back; only ids
// are recorded (never names or notes) so messages stay small and leak no text that was later deleted.
import { isDocId, type PersonId } from './ids';

export interface ChangeMessage {
	action: string;
	by: PersonId | null;
	/** The ids the action touched, by argument name (`itemId`, `categoryId`, ...). */
	ids: Record<string, string>;
}

/** Argument names whose string values are recorded: ids and the plan date they refer to. */
function isRecordedKey(key: string): boolean {
	return key === 'id' || key.endsWith('Id') || key === 'date' || key === 'owner' || key === 'to';
}

export function formatMessage(action: string, args: unknown, by: PersonId | undefined): string {
	const out: Record<string, unknown> = { action };
	if (by) out.by = by;
	if (args && typeof args === 'object') {
		for (const [key, value] of Object.entries(args)) {
			if (key !== 'action' && key !== 'by' && isRecordedKey(key) && typeof value === 'string') {
				out[key] = value;
			}
		}
	}
	return JSON.stringify(out);
}

/** Parses a change message; null for messages not written by this module (other tools, peers). */
export function parseChangeMessage(message: string | null | undefined): ChangeMessage | null {
	if (!message || message[0] !== '{') return null;
	let raw: unknown;
	try {
		raw = JSON.parse(message);
	} catch {
		return null;
	}
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
	const record = raw as Record<string, unknown>;
	if (typeof record.action !== 'string') return null;
	const ids: Record<string, string> = {};
	for (const [key, value] of Object.entries(record)) {
		if (key !== 'action' && key !== 'by' && typeof value === 'string' && isRecordedKey(key)) {
			ids[key] = value;
		}
	}
	return {
		action: record.action,
		by: isDocId(record.by) ? (record.by as PersonId) : null,
		ids,
	};
}
