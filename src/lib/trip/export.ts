// Exports of a trip, all from the validated view: JSON (lossless, re-importable by import.ts), CSV
// (one row per item and person), and printable Markdown and HTML checklists.
import { packersOf } from './selectors';
import { SHARED, type ItemView, type TripView } from './schema';

export const EXPORT_FORMAT = 'tripmate.trip';
export const EXPORT_VERSION = 1;

export interface ExportItem {
	id: string;
	name: string;
	owner: string;
	/** The manual quantity; rules and override are exported separately so nothing is baked in. */
	quantity: number;
	override: number | null;
	notes: string;
	packedBy: string[];
	createdBy: string | null;
	createdAt: number | null;
}

export interface TripExport {
	format: typeof EXPORT_FORMAT;
	version: typeof EXPORT_VERSION;
	tripId: string | null;
	name: string;
	destination: string;
	startDate: string | null;
	endDate: string | null;
	people: { id: string; name: string; colour: string; userId: string | null }[];
	categories: { id: string; name: string; items: ExportItem[] }[];
	rules: {
		id: string;
		itemId: string;
		kind: string;
		amount: number;
		minDays: number | null;
		maxDays: number | null;
		people: string[] | null;
	}[];
	plan: {
		date: string;
		text: string;
		activities: { id: string; text: string }[];
	}[];
	notes: string;
}

export function toExport(view: TripView): TripExport {
	return {
		format: EXPORT_FORMAT,
		version: EXPORT_VERSION,
		tripId: view.tripId,
		name: view.name,
		destination: view.destination,
		startDate: view.startDate,
		endDate: view.endDate,
		people: view.people.map(({ id, name, colour, userId }) => ({
			id,
			name,
			colour,
			userId,
		})),
		categories: view.categories.map((c) => ({
			id: c.id,
			name: c.name,
			items: c.itemIds.flatMap((id) => {
				const it = view.items[id];
				return it ? [exportItem(it)] : [];
			}),
		})),
		rules: view.rules.map((r) => ({
			...r,
			people: r.people ? [...r.people] : null,
		})),
		plan: view.plan.map((p) => ({
			date: p.date,
			text: p.text,
			activities: p.activities.map((a) => ({ ...a })),
		})),
		notes: view.notes,
	};
}

function exportItem(it: ItemView): ExportItem {
	return {
		id: it.id,
		name: it.name,
		owner: it.owner,
		quantity: it.quantity.manualQuantity,
		override: it.quantity.overrideQuantity,
		notes: it.notes,
		packedBy: [...it.packedBy],
		createdBy: it.createdBy,
		createdAt: it.createdAt,
	};
}

export function exportJson(view: TripView): string {
	return JSON.stringify(toExport(view), null, 2);
}

// ---- CSV -------------------------------------------------------------------------------------

/**
 * RFC 4180 quoting, plus a leading apostrophe for cells a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`): an item named "=HYPERLINK(...)" must stay text.
 */
export function csvCell(value: string | number | boolean): string {
	let text = String(value);
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function exportCsv(view: TripView): string {
	const rows: (string | number | boolean)[][] = [['Category', 'Item', 'Person', 'Quantity', 'Packed', 'Notes']];
	for (const category of view.categories) {
		for (const id of category.itemIds) {
			const it = view.items[id];
			if (!it) continue;
			const packers = packersOf(view, it);
			if (packers.length === 0)
				rows.push([category.name, it.name, 'Shared', it.quantity.effective, it.packed, it.notes]);
			for (const p of packers) {
				const name = view.peopleById[p]?.name ?? '';
				rows.push([category.name, it.name, name, it.quantity.effective, it.packedBy.includes(p), it.notes]);
			}
		}
	}
	return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---- Markdown and HTML checklists ------------------------------------------------------------

function ownerLabel(view: TripView, it: ItemView): string {
	return it.owner === SHARED ? 'shared' : (view.peopleById[it.owner]?.name ?? 'shared');
}

function dateLine(view: TripView): string {
	const parts = [view.destination, view.startDate && view.endDate ? `${view.startDate} – ${view.endDate}` : ''];
	return parts.filter(Boolean).join(' · ');
}

/** Escapes Markdown syntax so names like "*bold*" or "[link](x)" print literally. */
export function escapeMarkdown(text: string): string {
	return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&').replace(/\r?\n/g, ' ');
}

export function exportMarkdown(view: TripView): string {
	const lines = [`# ${escapeMarkdown(view.name || 'Trip')}`];
	const sub = dateLine(view);
	if (sub) lines.push('', escapeMarkdown(sub));
	for (const category of view.categories) {
		lines.push('', `## ${escapeMarkdown(category.name)}`, '');
		for (const id of category.itemIds) {
			const it = view.items[id];
			if (!it || it.quantity.effective === 0) continue;
			const notes = it.notes ? ` — ${escapeMarkdown(it.notes)}` : '';
			lines.push(
				`- [${it.packed ? 'x' : ' '}] ${escapeMarkdown(it.name)} ×${it.quantity.effective} (${escapeMarkdown(ownerLabel(view, it))})${notes}`,
			);
		}
	}
	return lines.join('\n') + '\n';
}

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function exportHtml(view: TripView): string {
	const title = escapeHtml(view.name || 'Trip');
	const sections = view.categories.map((category) => {
		const items = category.itemIds
			.map((id) => view.items[id])
			.filter((it): it is ItemView => it !== undefined && it.quantity.effective > 0)
			.map((it) => {
				const notes = it.notes ? ` <small>${escapeHtml(it.notes)}</small>` : '';
				return `<li><span class="box">${it.packed ? '☑' : '☐'}</span> ${escapeHtml(it.name)} ×${it.quantity.effective} <em>(${escapeHtml(ownerLabel(view, it))})</em>${notes}</li>`;
			});
		return `<section><h2>${escapeHtml(category.name)}</h2><ul>${items.join('')}</ul></section>`;
	});
	return [
		'<!doctype html>',
		'<html lang="en"><head><meta charset="utf-8">',
		`<title>${title}</title>`,
		'<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}ul{list-style:none;padding:0}li{margin:.2em 0}.box{font-size:1.2em}small{color:#555}section{break-inside:avoid}@media print{body{margin:0}}</style>',
		'</head><body>',
		`<h1>${title}</h1>`,
		`<p>${escapeHtml(dateLine(view))}</p>`,
		...sections,
		'</body></html>',
		'',
	].join('\n');
}
