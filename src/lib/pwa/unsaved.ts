// Whether reloading now would lose something the user typed. Trip edits are stored as they are
// made; what exists nowhere else is a form field typed into and not yet submitted (a new item's
// name). So: a field inside a form whose value differs from the value it had when the user
// started typing in it, until that form is submitted. Fields outside forms save live.
type Field = HTMLInputElement | HTMLTextAreaElement;

const baseline = new WeakMap<Field, string>();
const touched = new Set<Field>();
let tracking = false;

const isField = (t: EventTarget | null): t is Field =>
	(t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) && t.form !== null;

/** Starts watching typing (once per page); call before asking {@link hasUnsavedTyping}. */
export function trackTyping(doc: Document = document): void {
	if (tracking) return;
	tracking = true;
	doc.addEventListener(
		'focusin',
		(e) => {
			if (isField(e.target) && !touched.has(e.target)) baseline.set(e.target, e.target.value);
		},
		true,
	);
	doc.addEventListener(
		'input',
		(e) => {
			if (!isField(e.target)) return;
			if (!baseline.has(e.target)) baseline.set(e.target, '');
			touched.add(e.target);
		},
		true,
	);
	// A submitted form's fields hold what was saved (or were cleared): their new baseline.
	doc.addEventListener(
		'submit',
		(e) => {
			const form = e.target as HTMLFormElement;
			setTimeout(() => {
				for (const f of [...touched]) {
					if (f.form !== form) continue;
					touched.delete(f);
					baseline.set(f, f.value);
				}
			}, 0);
		},
		true,
	);
}

export function hasUnsavedTyping(): boolean {
	for (const f of [...touched]) {
		if (!f.isConnected) touched.delete(f);
		else if (f.value !== (baseline.get(f) ?? '')) return true;
	}
	return false;
}
