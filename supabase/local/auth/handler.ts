import type { StackContext } from '../context.ts';
import { json, type ApiRequest, type ApiResponse } from '../http.ts';
import { ok, type Result } from './errors.ts';

/**
 * One Auth endpoint. Expected failures come back as a failed Result (sent in GoTrue's error
 * shape); a throw is unexpected and becomes a 5xx in service.ts.
 */
export type AuthHandler = (ctx: StackContext, req: ApiRequest) => Promise<Result<ApiResponse>>;

export const okJson = (body: unknown, status = 200): Result<ApiResponse> => ok(json(status, body));
export const noContent = (): Result<ApiResponse> => ok({ status: 204 });
