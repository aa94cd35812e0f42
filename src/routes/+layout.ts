// The app is a client-only SPA: Automerge and IndexedDB live in the browser, and the static build
// must be an empty shell any host can serve.
export const ssr = false;
export const prerender = true;
