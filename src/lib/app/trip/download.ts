// Exports from the trip menu: the model's JSON and CSV as downloaded files named after the trip.
import { exportCsv, exportJson, type TripView } from '$lib/trip';

/** A file name from the trip's name: letters, digits and dashes only, never empty. */
export function fileBase(view: TripView): string {
	const base = view.name
		.normalize('NFKD')
		.replace(/[^\w\s-]/g, '')
		.trim()
		.replace(/\s+/g, '-')
		.toLowerCase();
	return base || 'trip';
}

function save(name: string, type: string, content: string): void {
	const url = URL.createObjectURL(new Blob([content], { type }));
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	// Revoked later: some browsers start reading the blob only after the click returns.
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadJson(view: TripView): void {
	save(`${fileBase(view)}.json`, 'application/json', exportJson(view));
}

export function downloadCsv(view: TripView): void {
	save(`${fileBase(view)}.csv`, 'text/csv', exportCsv(view));
}
