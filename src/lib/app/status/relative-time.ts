// "last synced …" in words: coarse on purpose, so the header does not tick every second.

/** e.g. "just now", "5 min ago", "3 h ago", "yesterday", "on 4 Dec". */
export function relativeTime(at: number, now: number = Date.now()): string {
	const s = Math.max(0, Math.round((now - at) / 1000));
	if (s < 45) return 'just now';
	const min = Math.round(s / 60);
	if (min < 60) return `${min} min ago`;
	const h = Math.round(min / 60);
	if (h < 24) return `${h} h ago`;
	if (h < 48) return 'yesterday';
	return `on ${new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })}`;
}

/** Bytes for people: "812 B", "4.2 KB", "1.3 MB". */
export function formatBytes(n: number): string {
	if (n < 1000) return `${n} B`;
	if (n < 1_000_000) return `${(n / 1000).toFixed(1)} KB`;
	return `${(n / 1_000_000).toFixed(1)} MB`;
}
