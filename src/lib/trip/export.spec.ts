import * as A from '@automerge/automerge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, escapeHtml, exportCsv, exportHtml, exportJson, exportMarkdown } from './export';
import { importTrip, parseTripExport } from './import';
import type { IsoDate } from './ids';
import { addItem, renameItem, setItemNotes, togglePacked } from './ops/items';
import { addActivity, setPlanText } from './ops/plan';
import { addRule, overrideQuantity } from './ops/rules';
import { action, apply } from './spec-arbitraries';
import { ALICE, BOB, CLOTHES, fork, SHIRTS, smallTrip, SOCKS, TOOTHPASTE, runs } from './spec-helpers';
import { readTrip } from './validate';

function richTrip() {
	let doc = togglePacked(smallTrip(), { itemId: SHIRTS });
	doc = togglePacked(doc, { itemId: SOCKS, personId: BOB });
	doc = addRule(doc, {
		id: 'r1' as never,
		itemId: SOCKS,
		kind: 'perPersonPerDay',
		amount: 1,
		people: [BOB],
	});
	doc = overrideQuantity(doc, { itemId: TOOTHPASTE, quantity: 2 });
	doc = setItemNotes(doc, { itemId: SOCKS, notes: 'wool, "thick"\nones' });
	doc = renameItem(doc, {
		itemId: TOOTHPASTE,
		name: '<script>alert(1)</script> & =SUM(A1)',
	});
	doc = setPlanText(doc, { date: '2025-06-07' as IsoDate, text: 'Sintra' });
	return addActivity(doc, {
		date: '2025-06-07' as IsoDate,
		id: 'a1' as never,
		text: 'Palace',
	});
}

describe('export and import', () => {
	it('round-trips a trip through JSON without losing anything', () => {
		const view = readTrip(richTrip());
		const result = importTrip(exportJson(view));
		expect(result.ok && readTrip(result.doc)).toEqual(view);
	});

	it('round-trips any randomly edited trip through JSON', { timeout: 60_000 }, () => {
		fc.assert(
			fc.property(fc.array(action, { maxLength: 12 }), (actions) => {
				let doc = fork(smallTrip(), 9);
				let n = 0;
				for (const a of actions) doc = apply(doc, a, { by: ALICE, now: n }, () => `g${n++}`).doc;
				const view = readTrip(doc);
				const result = importTrip(exportJson(view));
				if (!result.ok) throw new Error(result.errors.join('\n'));
				const back = readTrip(result.doc);
				// A stand-in "Other" category becomes a real one on import; everything else is identical.
				if (!view.categories.some((c) => c.synthetic)) expect(back).toEqual(view);
				else expect(Object.keys(back.items).sort()).toEqual(Object.keys(view.items).sort());
			}),
			{ numRuns: runs(200) },
		);
	});

	it('gives the new trip another id when asked', () => {
		const result = importTrip(exportJson(readTrip(richTrip())), {
			tripId: '00000000-0000-4000-8000-000000000000' as never,
		});
		expect(result.ok && result.doc.tripId).toBe('00000000-0000-4000-8000-000000000000');
	});

	it('rejects input that is not a Tripmate export with a clear reason', () => {
		expect(parseTripExport('{nope')).toMatchObject({
			ok: false,
			errors: [expect.stringMatching(/^not JSON/)],
		});
		expect(parseTripExport('{"format":"other"}')).toMatchObject({
			ok: false,
			errors: [expect.stringMatching(/not a Tripmate export/)],
		});
		expect(parseTripExport('{"format":"tripmate.trip","version":99}')).toMatchObject({
			ok: false,
			errors: [expect.stringMatching(/version 99 is not supported/)],
		});
	});

	it('lists every broken field of a damaged export by path', () => {
		const data = JSON.parse(exportJson(readTrip(richTrip())));
		data.name = '';
		data.categories[0].items[1].quantity = -1;
		data.categories[0].items[0].owner = 'ghost';
		data.rules[0].itemId = 'missing';
		data.people.push({ ...data.people[0] });
		const result = importTrip(JSON.stringify(data));
		expect(result.ok).toBe(false);
		expect(!result.ok && result.errors).toEqual(
			expect.arrayContaining([
				'trip.name: must not be empty',
				'trip.categories[0].items[1].quantity: must be a whole number from 0 to 9999',
				'trip.categories[0].items[0].owner: unknown person ghost',
				'trip.rules[0].itemId: unknown item missing',
				`trip.people[2].id: duplicate id ${ALICE}`,
			]),
		);
	});

	it('writes one CSV row per item and person, quoting commas, quotes and newlines and defusing formulas', () => {
		const csv = exportCsv(readTrip(richTrip()));
		const lines = csv.split('\r\n');
		expect(lines[0]).toBe('Category,Item,Person,Quantity,Packed,Notes');
		expect(lines).toContain('Clothes,T-shirts,Alice,3,true,');
		expect(csv).toContain('Clothes,Socks,Alice,3,false,"wool, ""thick""\nones"');
		expect(csv).toContain('Clothes,Socks,Bob,3,true,"wool, ""thick""\nones"');
		expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
		expect(csvCell(' padded')).toBe('" padded"');
		// 1 header + shirts (Alice) + socks and toothpaste (shared: Alice and Bob each) = 6 rows.
		expect(csv.match(/\r\n/g)).toHaveLength(6);
	});

	it('prints a Markdown checklist with ticks, quantities and owners, escaping syntax', () => {
		const md = exportMarkdown(readTrip(richTrip()));
		expect(md).toContain('# Lisbon');
		expect(md).toContain('- [x] T\\-shirts ×3 (Alice)');
		expect(md).toContain('- [x] Socks ×3 (shared) — wool, "thick" ones');
		expect(md).toContain('\\<script\\>alert\\(1\\)\\</script\\> & =SUM\\(A1\\) ×2');
	});

	it('prints an HTML checklist with every user text escaped', () => {
		const html = exportHtml(readTrip(richTrip()));
		expect(html).not.toContain('<script>');
		expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; =SUM(A1) ×2');
		expect(html).toContain('<title>Lisbon</title>');
		expect(escapeHtml(`"'&<>`)).toBe('&#34;&#39;&#38;&#60;&#62;');
	});

	it('leaves items a rule brings to zero off the printed list', () => {
		const doc = addRule(
			addItem(smallTrip(), {
				id: 'skis' as never,
				name: 'Skis',
				categoryId: CLOTHES,
			}),
			{ itemId: 'skis' as never, kind: 'perTrip', amount: 1, minDays: 5 },
		);
		expect(exportMarkdown(readTrip(doc))).not.toContain('Skis');
		expect(A.getHeads(doc)).toHaveLength(1);
	});
});
