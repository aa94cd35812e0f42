-- Trip log integrity: what the server reads out of each change, the actor bindings, the heads,
-- invite ids; and the backfill of rows stored before this migration.
--
-- Affects: public.trip_changes (deps, actor, actor_seq), public.trip_actors (new),
--          public.trip_snapshots (heads), public.trip_invites (id); functions
--          private.parse_change, private.heads_at.
--
-- Why (ARCHITECTURE §4 "Integrity"): a checksum is 4 bytes of a SHA-256 anyone can compute, so
-- the server must read the change's own header to keep the log causally closed (every
-- dependency earlier in seq order), to bind each Automerge actor to the member who first used it
-- (nobody can take another's (actor, seq)), and to know the log's heads at any seq (so a
-- snapshot can be checked by its heads).

-- Parsing helper ---------------------------------------------------------------------------------

-- Reads the start of an uncompressed change chunk's body, as Automerge's
-- storage::Change::parse_following_header does: dependencies (uLEB count, 32-byte hashes), actor
-- (uLEB length, bytes), seq (uLEB), start op (non-zero uLEB), time (sLEB), message (uLEB length,
-- UTF-8), other actors (uLEB count, each uLEB length and bytes), then the op column metadata
-- (uLEB count, each a uLEB32 spec and a uLEB length; specs in normal order, none DEFLATE-compressed
-- inside a change) whose data must fit in the body. Bytes after the column data are Automerge's
-- "extra bytes" (kept for forward compatibility) and are allowed, as Automerge allows them.
-- The op columns themselves are not decoded. Returns problem (a sentence) instead of raising, so
-- the backfill can use it too.
--
-- One pass, one LEB128 reader, a field counter: push_changes runs this for every change under
-- load, and plpgsql evaluates these simple expressions without a query each (a helper function
-- per field made a push of 500 changes ~15x slower).
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
  -- Fields in order: 1 dep count, 2 actor length, 3 seq, 4 start op, 5 time, 6 message length,
  -- 7 other actor count, 8 other actor length (repeats), 9 column count, 10 column spec,
  -- 11 column length (10 and 11 repeat).
  v_field int := 1;
  v_left bigint := 0;       -- other actors or columns still to read
  v_val bigint;
  v_byte int;
  v_prev int;
  v_shift int;
  v_spec bigint;
  v_last_spec bigint := -1;
  v_sum bigint := 0;
  v_i int;
begin
  deps := '{}';
  loop
    -- Read one LEB128 at v_pos: unsigned and minimal (< 2^63), or signed for the time field.
    -- Most values of a change (lengths, counts, column specs) fit one byte: the fast path.
    if v_pos < v_end and v_field <> 5 then
      v_byte := get_byte(p_bytes, v_pos);
    else
      v_byte := 128;
    end if;
    if v_byte < 128 then
      v_val := v_byte;
      v_pos := v_pos + 1;
    else
      v_val := 0;
      v_shift := 0;
      v_prev := 0;
      loop
        if v_pos >= v_end or v_shift > 63 then
          v_val := null;
          exit;
        end if;
        v_byte := get_byte(p_bytes, v_pos);
        v_pos := v_pos + 1;
        if v_field = 5 then
          if v_byte < 128 then
            if v_shift > 0 and ((v_byte = 0 and v_prev & 64 = 0) or (v_byte = 127 and v_prev & 64 > 0))
               or (v_shift = 63 and v_byte not in (0, 127)) then
              v_val := null;
            end if;
            exit;
          end if;
          v_prev := v_byte;
        else
          if (v_byte = 0 and v_shift > 0) or (v_shift = 56 and v_byte > 127) or v_shift > 56 then
            v_val := null;
            exit;
          end if;
          v_val := v_val | ((v_byte & 127)::bigint << v_shift);
          exit when v_byte < 128;
        end if;
        v_shift := v_shift + 7;
      end loop;
    end if;

    -- The op columns (10, 11) are most of a change's values: tested first.
    case v_field
      when 10 then
        if v_val is null or v_val > 4294967295 or v_val & 8 <> 0 or v_val < v_last_spec then
          problem := case
            when v_val is null or v_val > 4294967295 then 'bad op column spec'
            when v_val & 8 <> 0 then 'compressed op columns are not allowed in a change'
            else 'op columns not in normal order' end;
          return;
        end if;
        v_last_spec := v_val;
        v_field := 11;
      when 11 then
        if v_val is null then
          problem := 'bad op column length';
          return;
        end if;
        v_sum := v_sum + v_val;
        v_left := v_left - 1;
        v_field := 10;
      when 1 then
        if v_val is null or v_val > c_max_deps or v_val * 32 > v_end - v_pos then
          problem := format('%s dependencies do not fit the body', coalesce(v_val::text, 'unreadable'));
          return;
        end if;
        for v_i in 0 .. v_val - 1 loop
          deps := deps || substring(p_bytes from v_pos + 1 + 32 * v_i for 32);
        end loop;
        v_pos := v_pos + 32 * v_val::int;
        v_field := 2;
      when 2 then
        if v_val is null or v_val < 1 or v_val > c_max_actor or v_val > v_end - v_pos then
          problem := format('actor length %s out of range (1 to %s bytes)', coalesce(v_val::text, 'unreadable'), c_max_actor);
          return;
        end if;
        actor := substring(p_bytes from v_pos + 1 for v_val::int);
        v_pos := v_pos + v_val::int;
        v_field := 3;
      when 3 then
        if v_val is null or v_val < 1 then
          problem := 'bad seq (an actor''s changes are numbered from 1)';
          return;
        end if;
        actor_seq := v_val;
        v_field := 4;
      when 4 then
        if v_val is null or v_val < 1 then
          problem := 'bad start op';
          return;
        end if;
        v_field := 5;
      when 5 then
        if v_val is null then
          problem := 'bad time';
          return;
        end if;
        v_field := 6;
      when 6 then
        if v_val is null or v_val > v_end - v_pos then
          problem := 'bad message length';
          return;
        end if;
        if v_val > 0 then
          begin
            perform convert_from(substring(p_bytes from v_pos + 1 for v_val::int), 'UTF8');
          exception when character_not_in_repertoire or untranslatable_character then
            problem := 'message is not UTF-8';
              return;
          end;
        end if;
        v_pos := v_pos + v_val::int;
        v_field := 7;
      when 7, 9 then
        if v_val is null or v_val > v_end - v_pos or (v_field = 9 and v_val > c_max_columns) then
          problem := case v_field when 7 then 'bad count of other actors' else 'bad op column count' end;
          return;
        end if;
        v_left := v_val;
        v_field := v_field + 1;
      when 8 then
        if v_val is null or v_val < 1 or v_val > c_max_actor or v_val > v_end - v_pos then
          problem := format('other actor: length %s out of range (1 to %s bytes)', coalesce(v_val::text, 'unreadable'), c_max_actor);
          return;
        end if;
        v_pos := v_pos + v_val::int;
        v_left := v_left - 1;
    end case;

    -- After the other actors, the column count; after the last column, the end of the metadata.
    if v_field = 8 and v_left = 0 then
      v_field := 9;
    elsif v_field = 10 and v_left = 0 then
      exit;
    end if;
  end loop;

  if v_sum > v_end - v_pos then
    problem := format('op columns declare %s bytes, %s remain', v_sum, v_end - v_pos);
  end if;
end;
$$;
comment on function private.parse_change(bytea, int) is 'Dependencies, actor and seq of an uncompressed Automerge change chunk body starting at a 0-based offset; problem names what is malformed.';

revoke execute on function private.parse_change(bytea, int) from public, anon, authenticated;

-- trip_changes: what the header says ------------------------------------------------------------
alter table public.trip_changes
  add column deps bytea[] not null default '{}',
  add column actor bytea,
  add column actor_seq bigint;
comment on column public.trip_changes.deps is 'The change''s dependency hashes as its header lists them; each is an earlier row of the trip (the log is causally closed).';
comment on column public.trip_changes.actor is 'The change''s Automerge actor id. Null only for a row stored before 20261202000100 whose header could not be read.';
comment on column public.trip_changes.actor_seq is 'The change''s seq within its actor. Null only for such a legacy row, or one that repeated an earlier row''s (actor, seq).';

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

insert into public.trip_actors (trip_id, actor, author_id, first_seq)
select distinct on (c.trip_id, c.actor) c.trip_id, c.actor, c.author_id, c.seq
from public.trip_changes c
where c.actor is not null
order by c.trip_id, c.actor, c.seq;

alter table public.trip_changes
  add constraint trip_changes_actor_seq_key unique (trip_id, actor, actor_seq);

-- Heads ------------------------------------------------------------------------------------------
-- Computed when a snapshot is stored, not kept up to date at every push: a push then pays
-- nothing for heads, and a snapshot (rare, and an upload of up to MiBs anyway) pays one pass over
-- its part of the log (36 ms for 10,000 changes on the 2-core dev machine under load),
-- outside the trip's row lock. Rows with seq <= last_seq never change, so the
-- result is exact for any committed seq.
create or replace function private.heads_at(p_trip_id uuid, p_seq bigint)
returns bytea[]
language sql
stable
set search_path = ''
as $$
  select coalesce(array_agg(h.hash order by h.hash), '{}')
  from (
    -- A legacy row that is not a change (actor null) is nobody's head: no replica can apply it.
    select c.hash from public.trip_changes c where c.trip_id = p_trip_id and c.seq <= p_seq and c.actor is not null
    except
    select d.dep
    from public.trip_changes c cross join lateral unnest(c.deps) as d (dep)
    where c.trip_id = p_trip_id and c.seq <= p_seq
  ) h
$$;
comment on function private.heads_at(uuid, bigint) is 'The trip log''s heads after seq p_seq (changes with seq <= p_seq that no such change depends on), sorted by hash as A.getHeads sorts them.';
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
