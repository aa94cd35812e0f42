import { defineConfig, minimal2023Preset } from '@vite-pwa/assets-generator/config';

// Every icon comes from static/icon.svg (`npm run icons`). The PNGs are committed rather than made
// in `vite build`: sharp is a native module, and a build that needs it would break on any host
// where its binary is missing; the icons change only when the SVG does.
export default defineConfig({
	headLinkOptions: { preset: '2023' },
	preset: minimal2023Preset,
	images: ['static/icon.svg'],
});
