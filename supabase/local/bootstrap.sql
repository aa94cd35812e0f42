-- What a hosted Supabase project already has before its first migration, reduced to the parts
-- Tripmate's migrations and the local API rely on. Idempotent: it runs on every fresh database.
-- Names, signatures and grants follow Supabase's own (supabase/postgres, supabase/auth,
-- supabase/realtime) so that migrations written against this run unchanged on a hosted project.

-- Roles ------------------------------------------------------------------------------------------
-- Run by the cluster superuser `supabase_admin` (initdb's bootstrap user, as on a hosted project).
-- Roles belong to the cluster, so this part is idempotent and shared by every database. The login
-- roles get the password of the connection that runs this (the session setting
-- tripmate.role_password, set by migrate.ts): locally that is `postgres` for all of them, as the
-- Supabase CLI's local stack has it.
do $$
declare
  pw text := current_setting('tripmate.role_password');
begin
  if not exists (select from pg_roles where rolname = 'postgres') then
    create role postgres login;
  end if;
  -- The owner of everything the migrations create. Hosted demotes it exactly like this
  -- (supabase/postgres migrations/db/migrations/10000000000000_demote-postgres.sql). An external
  -- DATABASE_URL that connects as `postgres` keeps it a superuser: the stack warns about that.
  if current_user <> 'postgres' then
    alter role postgres nosuperuser createdb createrole login replication bypassrls inherit;
    execute format('alter role postgres password %L', pw);
  end if;

  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin bypassrls;
  end if;
  -- Created noinherit, then made inherit by hosted's 20230529180330_alter_api_roles_for_inherit.
  alter role anon inherit;
  alter role authenticated inherit;
  alter role service_role inherit bypassrls;

  -- PostgREST's login role: it can do nothing itself and switches to the token's role.
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  alter role authenticator nosuperuser noinherit nocreatedb nocreaterole nobypassrls login;
  execute format('alter role authenticator password %L', pw);

  -- GoTrue's and Realtime's own connections.
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit;
  end if;
  alter role supabase_auth_admin nosuperuser noinherit login;
  execute format('alter role supabase_auth_admin password %L', pw);
  if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin login noinherit;
  end if;
  alter role supabase_realtime_admin nosuperuser noinherit login;
  execute format('alter role supabase_realtime_admin password %L', pw);
end
$$;

-- The roles PostgREST may switch to, and nothing else: a token claiming `postgres` gets
-- 42501 "permission denied to set role". Realtime switches to the same roles for its RLS probes.
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to supabase_realtime_admin;
-- So that `postgres` can test policies with `set role authenticated`, as in the dashboard.
grant anon, authenticated, service_role to postgres;

-- The timeouts hosted sets (supabase/postgres: initial schema; 20221028101028, 20231130133139).
-- authenticator's apply at login; PostgREST applies the switched-to role's own settings in each
-- request's transaction (rest/transaction.ts does the same).
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role postgres set search_path = "$user", public, extensions;

-- The project's database: `postgres` may create schemas in it (hosted: GRANT ALL ON DATABASE).
do $$
begin
  execute format('grant all on database %I to postgres', current_database());
end
$$;

-- Extensions live in their own schema, as on hosted projects -----------------------------------
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role, supabase_auth_admin;
create extension if not exists pgcrypto with schema extensions;

-- public: owned by postgres; Supabase grants the API roles everything by default on what postgres
-- (and supabase_admin) create there; RLS and explicit revokes narrow it.
alter schema public owner to postgres;
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;

-- Auth --------------------------------------------------------------------------------------------
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- GoTrue's auth.users as its migrations leave it (supabase/auth migrations/*), every column with
-- hosted's type and nullability, so seed files and queries written against a hosted project run
-- here unchanged. GoTrue always writes the timestamps and metadata; the defaults here are for
-- hand-written inserts (tests, seeds) and do not change what a hosted insert would store.
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_super_admin boolean,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  phone text default null unique,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0
    check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
comment on column auth.users.is_sso_user is 'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
create unique index if not exists users_email_partial_key on auth.users (lower(email))
  where email is not null and email <> '';
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);

create table if not exists auth.identities (
  id uuid primary key default gen_random_uuid(),
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (provider_id, provider)
);

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  aal text not null default 'aal1',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  refreshed_at timestamptz
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  id bigserial primary key,
  token varchar(255) not null unique,
  user_id varchar(255) not null,
  session_id uuid not null references auth.sessions (id) on delete cascade,
  parent varchar(255),
  revoked boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists refresh_tokens_session_id_idx on auth.refresh_tokens (session_id);

-- The sign-in methods of a session (the `amr` claim), one row per method, as GoTrue keeps them.
create table if not exists auth.mfa_amr_claims (
  id uuid primary key,
  session_id uuid not null references auth.sessions (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  authentication_method text not null,
  constraint mfa_amr_claims_session_id_authentication_method_pkey unique (session_id, authentication_method)
);
-- GoTrue finds "the currently active token of a session" by this order on every reuse check.
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);
create index if not exists identities_user_id_idx on auth.identities (user_id);

-- The same definitions as supabase/auth's migrations: claims come from PostgREST's GUCs.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

-- Who may do what in `auth`, as on hosted: GoTrue's own role owns its tables (the local Auth
-- service connects as supabase_auth_admin); `postgres` may read and write them and reference
-- auth.users from its tables, but cannot create objects in the schema (hosted revoked that in
-- 2025). The API roles reach only the functions above.
alter schema auth owner to supabase_admin;
grant usage, create on schema auth to supabase_auth_admin;
grant usage on schema auth to postgres;
do $$
declare
  r record;
begin
  for r in select c.oid::regclass as rel from pg_class c
           where c.relnamespace = 'auth'::regnamespace and c.relkind in ('r', 'p') loop
    execute format('alter table %s owner to supabase_auth_admin', r.rel);
  end loop;
  for r in select p.oid::regprocedure as fn from pg_proc p where p.pronamespace = 'auth'::regnamespace loop
    execute format('alter function %s owner to supabase_auth_admin', r.fn);
  end loop;
end
$$;
grant all on all tables in schema auth to postgres;
grant all on all sequences in schema auth to postgres;
grant all on all routines in schema auth to postgres;

-- Realtime ----------------------------------------------------------------------------------------
create schema if not exists realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
-- Realtime's own role creates and drops the daily partitions (realtime/partitions.ts).
grant usage, create on schema realtime to supabase_realtime_admin;

-- As hosted Realtime has it: partitioned by day on inserted_at (partitions named
-- messages_YYYY_MM_DD), no default partition, so an insert on a day without a partition fails
-- (and realtime.send turns that into a warning). The stack keeps partitions from yesterday to
-- three days ahead and drops older ones, as Realtime's janitor does.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_pkey primary key (id, inserted_at),
  constraint messages_payload_exclusive check (payload is null or binary_payload is null)
) partition by range (inserted_at);
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;
-- Hosted's ACL: postgres=a*r*wdDxtm (20240919140541_reduce_grants_postgres_user and later).
grant select, insert on realtime.messages to postgres with grant option;
grant update, delete, truncate, references, trigger on realtime.messages to postgres;

-- Policies on realtime.messages by `postgres`. Only a table's owner may create policies on it;
-- hosted lets `postgres` do so on realtime.messages through supautils' policy_grants without
-- owning it. Emulated: for the duration of a CREATE/ALTER/DROP POLICY statement run by a
-- `postgres` session, the table belongs to `postgres`, and afterwards to Realtime's role again
-- (a failed statement rolls the hand-over back with it). Nothing else changes hands.
create or replace function realtime.local_policy_grant_start() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- current_query() is the whole statement text sent (a migration file): a cheap filter that
  -- spares other policies the table lock an owner change takes.
  if session_user = 'postgres' and current_query() ~* 'realtime"?\s*\.\s*"?messages' then
    alter table realtime.messages owner to postgres;
  end if;
end;
$$;
create or replace function realtime.local_policy_grant_end() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if (select c.relowner from pg_catalog.pg_class c where c.oid = 'realtime.messages'::regclass)
     <> 'supabase_realtime_admin'::regrole then
    alter table realtime.messages owner to supabase_realtime_admin;
  end if;
end;
$$;
revoke execute on function realtime.local_policy_grant_start(), realtime.local_policy_grant_end() from public;
drop event trigger if exists local_policy_grant_start;
create event trigger local_policy_grant_start on ddl_command_start
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  execute function realtime.local_policy_grant_start();
drop event trigger if exists local_policy_grant_end;
create event trigger local_policy_grant_end on ddl_command_end
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  execute function realtime.local_policy_grant_end();

create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

-- Runs as the caller and swallows every error, exactly like Supabase's: a broadcast must never
-- fail the transaction that sends it.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    final_payload := case when payload ? 'id' then payload
                          else payload || jsonb_build_object('id', generated_id) end;
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;
grant execute on function realtime.send(jsonb, text, text, boolean) to anon, authenticated, service_role;

create or replace function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
) returns void
language plpgsql
as $$
declare
  row_data jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation not in ('INSERT', 'UPDATE', 'DELETE') then
    raise exception 'unsupported operation %', operation;
  end if;
  row_data := jsonb_build_object(
    'old_record', case when old is null then null else to_jsonb(old) end,
    'record', case when new is null then null else to_jsonb(new) end,
    'operation', operation, 'table', table_name, 'schema', table_schema);
  perform realtime.send(row_data, event_name, topic_name);
end;
$$;
grant execute on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to anon, authenticated, service_role;

-- Local delivery: hosted Realtime reads committed inserts through logical replication; locally a
-- NOTIFY (also delivered only at commit) tells the API which row to fan out. Small rows travel in
-- the notification itself so delivery costs no extra query. Authorization probes are rolled back,
-- so their notifications are never delivered.
create or replace function realtime.notify_local_api() returns trigger
language plpgsql
as $$
declare
  body text;
begin
  if new.extension <> 'broadcast' or new.event is null then
    return null;
  end if;
  body := json_build_object('id', new.id, 'topic', new.topic, 'event', new.event,
                            'private', coalesce(new.private, false), 'payload', new.payload)::text;
  -- pg_notify payloads are limited to 8000 bytes, and bytea has no JSON form: announce by id.
  if octet_length(body) > 7900 or new.binary_payload is not null then
    body := json_build_object('id', new.id)::text;
  end if;
  perform pg_notify('realtime_messages', body);
  return null;
end;
$$;

drop trigger if exists notify_local_api on realtime.messages;
create trigger notify_local_api after insert on realtime.messages
  for each row execute function realtime.notify_local_api();

-- Migration history, as the Supabase CLI records it: `supabase db push` creates it as `postgres`.
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  statements text[],
  name text
);
alter schema supabase_migrations owner to postgres;
alter table supabase_migrations.schema_migrations owner to postgres;
