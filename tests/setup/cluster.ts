import type { TestProject } from 'vitest/node';
import { startTestCluster } from '../../supabase/local/testing.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Superuser URL of the run's Postgres cluster, which holds the migrated template database. */
		pgAdminUrl: string;
	}
}

/** One Postgres cluster per test run; each test file clones the migrated template from it. */
export default async function setup(project: TestProject) {
	const cluster = await startTestCluster();
	project.provide('pgAdminUrl', cluster.adminUrl);
	return async () => {
		await cluster.stop();
	};
}
