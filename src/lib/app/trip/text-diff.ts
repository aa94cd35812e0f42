// Turning a textarea's edit into one splice, and moving a caret through another's edit, so shared
// text is written per character (merges with concurrent typing) and a remote edit never makes the
// caret jump.

export interface Splice {
	index: number;
	deleteCount: number;
	insert: string;
}

/** The one splice that turns `before` into `after` (common prefix and suffix kept). */
export function spliceBetween(before: string, after: string): Splice | null {
	if (before === after) return null;
	let start = 0;
	const max = Math.min(before.length, after.length);
	while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
	let end = 0;
	while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end))
		end++;
	return { index: start, deleteCount: before.length - start - end, insert: after.slice(start, after.length - end) };
}

/**
 * Where a caret at `offset` in the old text belongs after `splice`: before the edit it stays; after
 * it, it shifts by the change in length; inside a replaced range, it goes to the end of the insert.
 */
export function transformOffset(offset: number, splice: Splice): number {
	if (offset <= splice.index) return offset;
	if (offset >= splice.index + splice.deleteCount) return offset - splice.deleteCount + splice.insert.length;
	return splice.index + splice.insert.length;
}

export function applySplice(text: string, s: Splice): string {
	return text.slice(0, s.index) + s.insert + text.slice(s.index + s.deleteCount);
}
