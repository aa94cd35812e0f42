import type { StackContext } from '../context.ts';
import { json, type ServiceHandler } from '../http.ts';

// Placeholder until the PostgREST-compatible service lands.
export function createRestService(_ctx: StackContext): { handle: ServiceHandler } {
	return { handle: async () => json(404, { code: 'PGRST000', message: 'not implemented yet' }) };
}
