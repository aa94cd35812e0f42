// The automerge-repo document database's name per user, on its own so the service worker can
// reach the documents without importing adopt.ts (which loads Automerge).
export const docsDatabaseName = (userId: string, scope = '') => `tripmate-docs:${scope}${userId}`;
