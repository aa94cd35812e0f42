-- Trip log integrity: what the server reads out of each change, the actor bindings, the heads,
-- invite ids; and the backfill of rows stored before this migration.
--
-- Affects: public.trip_changes (deps, actor, actor_seq, superseded_by), public.trip_actors (new),
--          public.trip_snapshots (heads), public.trip_invites (id); functions private.uleb,
--          private.parse_change, private.heads_at.
--
-- Why (ARCHITECTURE §4 "Integrity"): a checksum is 4 bytes of a SHA-256 anyone can compute, so
-- the server must read the change's own header to keep the log causally closed (every
-- dependency earlier in seq order), to bind each Automerge actor to the member who first used it
-- (nobody can take another's (actor, seq)), and to know the log's heads at any seq (so a
-- snapshot can be checked by its heads).

-- Parsing helpers -------------------------------------------------------------------------------

-- An unsigned LEB128 at byte p_pos (0-based) of p_bytes, read no further than p_end. Returns
-- val null when there is none there, it is padded (Automerge refuses overlong forms), or it does
-- not fit a bigint (2^63 - 1: far beyond any real length, count or seq).
create or replace function private.uleb(p_bytes bytea, p_pos int, p_end int, out val bigint, out next_pos int)
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_byte int;
  v_shift int := 0;
  v_val bigint := 0;
begin
  next_pos := p_pos;
  loop
    if next_pos >= p_end or v_shift > 56 then
      return;
    end if;
    v_byte := get_byte(p_bytes, next_pos);
    next_pos := next_pos + 1;
    if v_byte = 0 and v_shift > 0 then
      return;
    end if;
    if v_shift = 56 and v_byte > 127 then
      return;
    end if;
    v_val := v_val | ((v_byte & 127)::bigint << v_shift);
    if v_byte < 128 then
      val := v_val;
      return;
    end if;
    v_shift := v_shift + 7;
  end loop;
end;
$$;
comment on function private.uleb(bytea, int, int) is 'Reads a minimal unsigned LEB128 (< 2^63) at a 0-based offset; val null if there is none.';

-- Reads the start of an uncompressed change chunk's body, as Automerge's
-- storage::Change::parse_following_header does: dependencies (uLEB count, 32-byte hashes), actor
-- (uLEB length, bytes), seq (uLEB), start op (non-zero uLEB), time (sLEB), message (uLEB length,
-- UTF-8), other actors (uLEB count, each uLEB length and bytes), then the op column metadata
-- (uLEB count, each a uLEB32 spec and a uLEB length; specs in normal order, none DEFLATE-compressed
-- inside a change) whose data must fit in the body. Bytes after the column data are Automerge's
-- "extra bytes" (kept for forward compatibility) and are allowed, as Automerge allows them.
-- The op columns themselves are not decoded. Returns problem (a sentence) instead of raising, so
-- the backfill can use it too.
create or replace function private.parse_change(
  p_bytes bytea,
  p_body_start int,
  out deps bytea[],
  out actor bytea,
  out actor_seq bigint,
  out problem text
)
language plpgsql
immutable
set search_path = ''
as $$
declare
  c_max_actor constant int := 64;     -- bytes; Automerge makes 16-byte actor ids
  c_max_deps constant int := 1000;    -- a change with more parents than this is not an edit
  c_max_columns constant int := 64;   -- a change has about 14 op columns
  v_end int := octet_length(p_bytes);
  v_pos int := p_body_start;
  v_n bigint;
  v_len bigint;
  v_byte int;
  v_prev int := 0;
  v_shift int := 0;
  v_spec bigint;
  v_last_spec bigint := -1;
  v_sum bigint := 0;
  v_i int;
begin
  select r.val, r.next_pos into v_n, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_n is null then
    problem := 'bad dependency count';
    return;
  end if;
  if v_n > c_max_deps or v_n * 32 > v_end - v_pos then
    problem := format('%s dependencies do not fit the body', v_n);
    return;
  end if;
  deps := array(select substring(p_bytes from v_pos + 1 + 32 * g for 32) from generate_series(0, v_n::int - 1) g);
  v_pos := v_pos + 32 * v_n::int;

  select r.val, r.next_pos into v_len, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_len is null or v_len < 1 or v_len > c_max_actor or v_len > v_end - v_pos then
    problem := format('actor length %s out of range (1 to %s bytes)', coalesce(v_len::text, 'unreadable'), c_max_actor);
    return;
  end if;
  actor := substring(p_bytes from v_pos + 1 for v_len::int);
  v_pos := v_pos + v_len::int;

  select r.val, r.next_pos into actor_seq, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if actor_seq is null or actor_seq < 1 then
    problem := 'bad seq (an actor''s changes are numbered from 1)';
    actor_seq := null;
    return;
  end if;

  select r.val, r.next_pos into v_n, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_n is null or v_n < 1 then
    problem := 'bad start op';
    return;
  end if;

  -- Time: a signed LEB128 of at most 10 bytes, minimal (Automerge's leb128_i64).
  loop
    if v_pos >= v_end or v_shift > 63 then
      problem := 'bad time';
      return;
    end if;
    v_byte := get_byte(p_bytes, v_pos);
    v_pos := v_pos + 1;
    if v_byte < 128 then
      if v_shift > 0 and ((v_byte = 0 and v_prev & 64 = 0) or (v_byte = 127 and v_prev & 64 > 0))
         or (v_shift = 63 and v_byte not in (0, 127)) then
        problem := 'bad time';
        return;
      end if;
      exit;
    end if;
    v_prev := v_byte;
    v_shift := v_shift + 7;
  end loop;

  select r.val, r.next_pos into v_len, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_len is null or v_len > v_end - v_pos then
    problem := 'bad message length';
    return;
  end if;
  if v_len > 0 then
    begin
      perform convert_from(substring(p_bytes from v_pos + 1 for v_len::int), 'UTF8');
    exception when character_not_in_repertoire or untranslatable_character then
      problem := 'message is not UTF-8';
      return;
    end;
  end if;
  v_pos := v_pos + v_len::int;

  select r.val, r.next_pos into v_n, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_n is null or v_n > v_end - v_pos then
    problem := 'bad count of other actors';
    return;
  end if;
  for v_i in 1 .. v_n loop
    select r.val, r.next_pos into v_len, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
    if v_len is null or v_len < 1 or v_len > c_max_actor or v_len > v_end - v_pos then
      problem := format('other actor %s: length out of range (1 to %s bytes)', v_i, c_max_actor);
      return;
    end if;
    v_pos := v_pos + v_len::int;
  end loop;

  select r.val, r.next_pos into v_n, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
  if v_n is null or v_n > c_max_columns then
    problem := 'bad op column count';
    return;
  end if;
  for v_i in 1 .. v_n loop
    select r.val, r.next_pos into v_spec, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
    if v_spec is null or v_spec > 4294967295 then
      problem := format('op column %s: bad column spec', v_i);
      return;
    end if;
    if v_spec & 8 <> 0 then
      problem := format('op column %s: compressed columns are not allowed in a change', v_i);
      return;
    end if;
    if v_spec < v_last_spec then
      problem := 'op columns not in normal order';
      return;
    end if;
    v_last_spec := v_spec;
    select r.val, r.next_pos into v_len, v_pos from private.uleb(p_bytes, v_pos, v_end) r;
    if v_len is null then
      problem := format('op column %s: bad length', v_i);
      return;
    end if;
    v_sum := v_sum + v_len;
  end loop;
  if v_sum > v_end - v_pos then
    problem := format('op columns declare %s bytes, %s remain', v_sum, v_end - v_pos);
    return;
  end if;
end;
$$;
comment on function private.parse_change(bytea, int) is 'Dependencies, actor and seq of an uncompressed Automerge change chunk body starting at a 0-based offset; problem names what is malformed.';

revoke execute on function private.uleb(bytea, int, int), private.parse_change(bytea, int)
  from public, anon, authenticated;

-- trip_changes: what the header says ------------------------------------------------------------
alter table public.trip_changes
  add column deps bytea[] not null default '{}',
  add column actor bytea,
  add column actor_seq bigint,
  add column superseded_by bigint;
comment on column public.trip_changes.deps is 'The change''s dependency hashes as its header lists them; each is an earlier row of the trip (the log is causally closed).';
comment on column public.trip_changes.actor is 'The change''s Automerge actor id. Null only for a row stored before 20261202000100 whose header could not be read.';
comment on column public.trip_changes.actor_seq is 'The change''s seq within its actor. Null only for such a legacy row, or one that repeated an earlier row''s (actor, seq).';
comment on column public.trip_changes.superseded_by is 'seq of the first later change that depends on this one; null while it is a head. Heads at seq S: seq <= S and (superseded_by is null or superseded_by > S).';

-- trip_actors: who owns an actor in a trip ------------------------------------------------------
create table public.trip_actors (
  trip_id uuid not null references public.trips (id) on delete cascade,
  actor bytea not null,
  author_id uuid not null,
  first_seq bigint not null,
  primary key (trip_id, actor)
);
comment on table public.trip_actors is 'The member each Automerge actor of a trip belongs to: bound by the actor''s first stored change; push_changes refuses the actor to anyone else.';
comment on column public.trip_actors.author_id is 'auth.uid() that first pushed a change of this actor. No foreign key: the log outlives accounts.';
alter table public.trip_actors enable row level security;
revoke all on public.trip_actors from anon, authenticated;

-- Backfill ---------------------------------------------------------------------------------------
-- Rows stored before this migration went through the frame and checksum checks only. Read each
-- header; a row whose header cannot be read keeps actor and actor_seq null (it is still served:
-- the log is append-only and nothing stored is dropped), and only the first row of an
-- (actor, seq) keeps its actor_seq, so the unique constraint below can hold.
update public.trip_changes c
set deps = coalesce(p.deps, '{}'), actor = p.actor, actor_seq = p.actor_seq
from public.trip_changes c2
cross join lateral private.parse_change(c2.data, (private.chunk_header(c2.data, 0)).body_start) p
where c2.trip_id = c.trip_id and c2.seq = c.seq and p.problem is null;

update public.trip_changes c
set actor_seq = null
from (
  select c2.trip_id, c2.seq,
         row_number() over (partition by c2.trip_id, c2.actor, c2.actor_seq order by c2.seq) as n
  from public.trip_changes c2
  where c2.actor is not null
) d
where d.trip_id = c.trip_id and d.seq = c.seq and d.n > 1;

update public.trip_changes c
set superseded_by = s.first_seq
from (
  select c2.trip_id, d.dep, min(c2.seq) as first_seq
  from public.trip_changes c2
  cross join lateral unnest(c2.deps) as d (dep)
  group by c2.trip_id, d.dep
) s
where s.trip_id = c.trip_id and s.dep = c.hash;

insert into public.trip_actors (trip_id, actor, author_id, first_seq)
select distinct on (c.trip_id, c.actor) c.trip_id, c.actor, c.author_id, c.seq
from public.trip_changes c
where c.actor is not null
order by c.trip_id, c.actor, c.seq;

alter table public.trip_changes
  add constraint trip_changes_actor_seq_key unique (trip_id, actor, actor_seq);
-- The heads at last_seq (what put_snapshot usually asks for) are the rows no change depends on.
create index trip_changes_heads_idx on public.trip_changes (trip_id, seq) where superseded_by is null;

-- Heads ------------------------------------------------------------------------------------------
create or replace function private.heads_at(p_trip_id uuid, p_seq bigint)
returns bytea[]
language sql
stable
set search_path = ''
as $$
  select coalesce(array_agg(c.hash order by c.hash), '{}')
  from public.trip_changes c
  where c.trip_id = p_trip_id and c.seq <= p_seq
    and (c.superseded_by is null or c.superseded_by > p_seq)
$$;
comment on function private.heads_at(uuid, bigint) is 'The trip log''s heads after seq p_seq (changes with seq <= p_seq no such change depends on), sorted by hash as A.getHeads sorts them.';
revoke execute on function private.heads_at(uuid, bigint) from public, anon, authenticated;

-- trip_snapshots: the heads a snapshot must have ------------------------------------------------
alter table public.trip_snapshots add column heads bytea[];
comment on column public.trip_snapshots.heads is 'Heads of the log at seq, recorded by put_snapshot: a client trusts the snapshot only if A.getHeads of the loaded document equals them.';
update public.trip_snapshots s set heads = private.heads_at(s.trip_id, s.seq);
alter table public.trip_snapshots alter column heads set not null;

-- trip_invites: an id to list and revoke by (the token is never shown again) --------------------
alter table public.trip_invites add column id uuid not null default gen_random_uuid();
alter table public.trip_invites add constraint trip_invites_id_key unique (id);
comment on column public.trip_invites.id is 'Names the invite in list_invites and revoke_invite; the token itself is shown only once.';
