-- Index every foreign key that lacked one (Supabase linter 0001, unindexed_foreign_keys).
--
-- Affects: indexes on public.trip_invites (created_by) and public.trip_removals (user_id).
--
-- Both reference auth.users with ON DELETE CASCADE: without an index, deleting a user scans
-- each whole table to find the rows to delete. tests/server/catalog.test.ts keeps every later
-- foreign key to the same rule.

create index trip_invites_created_by_idx on public.trip_invites (created_by);
create index trip_removals_user_id_idx on public.trip_removals (user_id);
