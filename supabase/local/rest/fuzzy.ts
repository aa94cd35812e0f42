/**
 * The fuzzy match PostgREST's "Perhaps you meant …" hints come from (the `fuzzyset` package, a
 * port of fuzzyset.js): cosine similarity of 3-grams, falling back to 2-grams when no 3-gram is
 * shared, then the best candidates rescored by Levenshtein distance. Only a score at or above
 * `minScore` yields a hint, so a name with nothing close gets none rather than a guess.
 */

const NON_WORD = /[^\p{L}\p{N}, ]+/gu;

function grams(value: string, size: number): Map<string, number> {
	let simplified = `-${value.toLowerCase().replace(NON_WORD, '')}-`;
	if (simplified.length < size) simplified += '-'.repeat(size - simplified.length);
	const counts = new Map<string, number>();
	for (let i = 0; i + size <= simplified.length; i++) {
		const gram = simplified.slice(i, i + size);
		counts.set(gram, (counts.get(gram) ?? 0) + 1);
	}
	return counts;
}

const norm = (counts: Map<string, number>) => Math.sqrt([...counts.values()].reduce((sum, n) => sum + n * n, 0));

export function levenshtein(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		prev = row;
	}
	return prev[b.length]!;
}

function distanceScore(a: string, b: string): number {
	return 1 - levenshtein(a, b) / Math.max(a.length, b.length, 1);
}

/** The candidate that best matches `query`, or undefined when none scores `minScore` or more. */
export function fuzzyBest(candidates: readonly string[], query: string, minScore: number): string | undefined {
	const lowered = query.toLowerCase();
	const exact = candidates.find((c) => c.toLowerCase() === lowered);
	if (exact !== undefined) return exact;
	for (const size of [3, 2]) {
		const wanted = grams(query, size);
		const wantedNorm = norm(wanted);
		const scored: { candidate: string; score: number }[] = [];
		for (const candidate of candidates) {
			const own = grams(candidate, size);
			let dot = 0;
			for (const [gram, n] of wanted) dot += n * (own.get(gram) ?? 0);
			if (dot > 0) scored.push({ candidate, score: dot / (wantedNorm * norm(own)) });
		}
		if (scored.length === 0) continue;
		const best = scored
			.sort((x, y) => y.score - x.score)
			.slice(0, 50)
			.map(({ candidate }) => ({ candidate, score: distanceScore(candidate.toLowerCase(), lowered) }))
			.sort((x, y) => y.score - x.score)[0]!;
		return best.score >= minScore ? best.candidate : undefined;
	}
	return undefined;
}
