// Join links exist only in the browser: the static build serves them through the SPA fallback.
export const prerender = false;
