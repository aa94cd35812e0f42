import type { StackContext } from '../context.ts';
import { json, type ServiceHandler } from '../http.ts';

// Placeholder until the GoTrue-compatible service lands.
export function createAuthService(_ctx: StackContext): { handle: ServiceHandler } {
	return { handle: async () => json(404, { code: 'not_found', message: 'not implemented yet' }) };
}
