-- Trip log: tables, row level security and the private helpers the policies use.
--
-- Affects: public.trips, public.trip_members, public.trip_invites, public.trip_changes,
--          public.trip_snapshots, public.profiles; schema private.
--
-- Each trip is an Automerge document. The server never interprets it: it keeps the trip's change
-- sets in an append-only log with a per-trip sequence number (trip_changes), an optional snapshot
-- (trip_snapshots), and who may read and write (trip_members). Clients never write these tables
-- directly: every write goes through the security definer functions of the next migration, so the
-- API roles get no insert, update or delete privilege on any of them. Reads that are useful to the
-- UI (own trips, co-members, co-members' profiles) are allowed through select policies; the log
-- and the snapshots are read only through pull_changes / get_snapshot.

-- A schema PostgREST does not expose, for security definer helpers (Supabase RLS guide).
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated;
comment on schema private is 'Helpers for policies and functions; not exposed through the API.';

-- trips ------------------------------------------------------------------------------------------
create table public.trips (
  id uuid primary key,
  owner_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  created_at timestamptz not null default now(),
  last_seq bigint not null default 0 check (last_seq >= 0),
  snapshot_seq bigint check (snapshot_seq >= 0),
  deleted_at timestamptz
);
comment on table public.trips is 'One row per trip (one Automerge document). Written only by the trip functions.';
comment on column public.trips.id is 'Made on the client (trips can be created offline); also the automerge-repo document id.';
comment on column public.trips.name is 'Plaintext copy of the trip name for the trips list before the document is loaded.';
comment on column public.trips.last_seq is 'Highest seq in trip_changes for this trip; bumped under a row lock by push_changes.';
comment on column public.trips.snapshot_seq is 'seq covered by the trip''s snapshot, null when there is none.';
comment on column public.trips.deleted_at is 'Soft delete: set by delete_trip; a deleted trip is invisible to everyone.';
create index trips_owner_id_idx on public.trips (owner_id);

-- trip_members -----------------------------------------------------------------------------------
create table public.trip_members (
  trip_id uuid not null references public.trips (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('owner', 'editor', 'viewer')),
  added_at timestamptz not null default now(),
  primary key (trip_id, user_id)
);
comment on table public.trip_members is 'Who may read (viewer) or also write (editor, owner) a trip. A removed member''s row is deleted.';
comment on column public.trip_members.role is 'owner (exactly one per trip) | editor | viewer.';
-- sync_status and every policy look members up by user.
create index trip_members_user_id_idx on public.trip_members (user_id, trip_id);
create unique index trip_members_one_owner_idx on public.trip_members (trip_id) where role = 'owner';

-- trip_invites -----------------------------------------------------------------------------------
create table public.trip_invites (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  trip_id uuid not null references public.trips (id) on delete cascade,
  role text not null check (role in ('editor', 'viewer')),
  created_by uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  max_uses int check (max_uses is null or max_uses >= 1),
  uses int not null default 0 check (uses >= 0)
);
comment on table public.trip_invites is 'Invite links. Only the SHA-256 of a token is stored: a leaked row or backup cannot be used to join.';
comment on column public.trip_invites.token_hash is 'sha256 of the token returned once by create_invite.';
comment on column public.trip_invites.max_uses is 'null = unlimited until expires_at.';
create index trip_invites_trip_id_idx on public.trip_invites (trip_id);

-- trip_removals ----------------------------------------------------------------------------------
-- Who an owner removed, and when: an invite created before the removal no longer lets them back in
-- (invites are links that may be shared widely and live for days).
create table public.trip_removals (
  trip_id uuid not null references public.trips (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  removed_at timestamptz not null default now(),
  primary key (trip_id, user_id)
);
comment on table public.trip_removals is 'Members removed by an owner; accept_invite refuses them invites older than the removal.';
alter table public.trip_removals enable row level security;
revoke all on public.trip_removals from anon, authenticated;

-- trip_changes -----------------------------------------------------------------------------------
create table public.trip_changes (
  trip_id uuid not null references public.trips (id) on delete cascade,
  seq bigint not null check (seq >= 1),
  hash bytea not null check (octet_length(hash) = 32),
  data bytea not null,
  author_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (trip_id, seq),
  constraint trip_changes_trip_id_hash_key unique (trip_id, hash)
);
comment on table public.trip_changes is 'Append-only log of Automerge change sets per trip, in server order (seq). Written only by push_changes.';
comment on column public.trip_changes.hash is 'The Automerge change hash, sha256 of the chunk from byte 8 on, computed by the server (returned as hex).';
comment on column public.trip_changes.data is 'One Automerge change chunk (magic, checksum, type 1, length, body), as pushed.';
comment on column public.trip_changes.author_id is 'auth.uid() of the pusher. No foreign key: the log outlives accounts.';

-- trip_snapshots ---------------------------------------------------------------------------------
create table public.trip_snapshots (
  trip_id uuid primary key references public.trips (id) on delete cascade,
  seq bigint not null check (seq >= 0),
  data bytea not null,
  created_by uuid not null,
  created_at timestamptz not null default now()
);
comment on table public.trip_snapshots is 'Latest Automerge save() of a trip covering every change with seq <= seq. An accelerator, never the only copy: one row per trip, a newer snapshot replaces it.';

-- profiles ---------------------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null check (char_length(display_name) between 1 and 80),
  color text not null check (color ~ '^#[0-9a-fA-F]{6}$'),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'Display name and colour shown to co-members. Written only by set_profile.';

-- Privileges: the default privileges of schema public grant everything to the API roles; take
-- writes away from all of them, and reads from the tables only functions read.
revoke all on table public.trips, public.trip_members, public.trip_invites, public.trip_changes,
  public.trip_snapshots, public.profiles from anon, authenticated;
grant select on table public.trips, public.trip_members, public.profiles to authenticated;

alter table public.trips enable row level security;
alter table public.trip_members enable row level security;
alter table public.trip_invites enable row level security;
alter table public.trip_changes enable row level security;
alter table public.trip_snapshots enable row level security;
alter table public.profiles enable row level security;

-- Private helpers --------------------------------------------------------------------------------

-- Rank of a role for "at least" comparisons.
create or replace function private.role_rank(p_role text)
returns int
language sql
immutable
set search_path = ''
as $$
  select case p_role when 'owner' then 3 when 'editor' then 2 when 'viewer' then 1 else 0 end
$$;
comment on function private.role_rank(text) is 'owner 3 > editor 2 > viewer 1; anything else 0.';

-- The caller's non-deleted trips (security definer so that policies on trip_members can use it
-- without recursing into trip_members' own policy).
create or replace function private.my_trip_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.trip_id
  from public.trip_members m
  join public.trips t on t.id = m.trip_id
  where m.user_id = (select auth.uid()) and t.deleted_at is null
$$;
comment on function private.my_trip_ids() is 'Ids of the non-deleted trips the caller is a member of.';

-- Realtime authorization: is the caller a member with at least p_min_role of the trip a topic
-- "trip:<uuid>" names? Anything else (no topic, another scope, a malformed uuid) is false, never
-- an error, so a bad topic just denies the join.
create or replace function private.is_trip_member(p_topic text, p_min_role text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_trip_id uuid;
begin
  if p_topic is null
     or p_topic !~ '^trip:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return false;
  end if;
  v_trip_id := substr(p_topic, 6)::uuid;
  return exists (
    select 1
    from public.trip_members m
    join public.trips t on t.id = m.trip_id
    where m.trip_id = v_trip_id
      and m.user_id = (select auth.uid())
      and t.deleted_at is null
      and private.role_rank(m.role) >= private.role_rank(p_min_role)
  );
end;
$$;
comment on function private.is_trip_member(text, text) is 'Realtime policies: caller is a member (at least p_min_role) of the non-deleted trip named by topic trip:<uuid>.';

-- The authorization every trip function starts with. Raises 42501 with one of the contract's
-- messages; unknown and deleted trips are "not a member" so that trip ids do not leak.
create or replace function private.require_trip_role(p_trip_id uuid, p_min_role text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_role text;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_trip_id is null then
    raise exception using errcode = '22023', message = 'p_trip_id is required';
  end if;
  select m.role into v_role
  from public.trip_members m
  join public.trips t on t.id = m.trip_id
  where m.trip_id = p_trip_id and m.user_id = v_uid and t.deleted_at is null;
  if v_role is null then
    raise exception using errcode = '42501', message = 'not a member',
      detail = 'The trip does not exist, was deleted, or the caller is not a member of it.';
  end if;
  if private.role_rank(v_role) < private.role_rank(p_min_role) then
    if p_min_role = 'owner' then
      raise exception using errcode = '42501', message = 'owner only';
    end if;
    raise exception using errcode = '42501', message = 'read-only member';
  end if;
  return v_role;
end;
$$;
comment on function private.require_trip_role(uuid, text) is 'Returns the caller''s role on a trip or raises 42501 (not signed in | not a member | read-only member | owner only).';

-- Helpers are executed by their owner inside the API functions; policies need two of them.
revoke execute on all functions in schema private from public, anon, authenticated;
grant execute on function private.my_trip_ids() to authenticated;
grant execute on function private.is_trip_member(text, text) to authenticated;

-- Policies ---------------------------------------------------------------------------------------
-- Only select policies: no client role holds a write privilege, and trip_invites, trip_changes
-- and trip_snapshots are read through functions only (RLS on, no policy = no rows).

create policy "Members can see their trips."
  on public.trips for select to authenticated
  using (id in (select private.my_trip_ids()));

create policy "Members can see the members of their trips."
  on public.trip_members for select to authenticated
  using (trip_id in (select private.my_trip_ids()));

create policy "Users can see their own profile and their co-members' profiles."
  on public.profiles for select to authenticated
  using (
    id = (select auth.uid())
    or id in (select m.user_id from public.trip_members m where m.trip_id in (select private.my_trip_ids()))
  );
