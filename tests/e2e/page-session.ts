// The page's Supabase session, read where the app keeps it (IndexedDB `tripmate-auth`), for test
// and bench steps that act as that user from Node. No Vitest import: bench/ uses it too.
import type { Page } from 'playwright-core';

/** The access token of the page's stored session. */
export function accessToken(page: Page): Promise<string> {
	return page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('tripmate-auth');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const text = await new Promise<unknown>((resolve, reject) => {
			const read = db.transaction('session').objectStore('session').get('tripmate-auth-session');
			read.onsuccess = () => resolve(read.result);
			read.onerror = () => reject(read.error);
		});
		db.close();
		return (JSON.parse(String(text)) as { access_token: string }).access_token;
	});
}
