// Whether reloading now would lose something the user typed: a text field whose value differs
// from what the page rendered it with (trip edits themselves are stored as they happen; only
// half-typed form fields, such as a new item's name, exist nowhere else).
const TEXT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'number', 'date', 'time', 'password', '']);

export function hasUnsavedTyping(root: ParentNode = document): boolean {
	for (const el of root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')) {
		if (el instanceof HTMLInputElement && !TEXT_TYPES.has(el.type)) continue;
		if (el.value !== el.defaultValue) return true;
	}
	const active = document.activeElement;
	return active instanceof HTMLElement && active.isContentEditable;
}
