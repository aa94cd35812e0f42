-- Trip log integrity: push_changes reads each change's header and guards the log; pull_changes
-- returns who pushed each change; snapshots carry the heads they must have.
--
-- Affects: public.push_changes (replaced, same signature), public.pull_changes (dropped and
--          recreated: result column author_id added), public.get_snapshot (dropped and
--          recreated: result column heads added), public.put_snapshot (replaced, records heads).
--
-- push_changes, on top of the checks of 20261121000100 (base64, size, frame, checksum):
--   22023  change N: malformed change (detail names the field): the body is not a readable
--          Automerge change header (deps, actor, seq, start op, time, message, other actors,
--          op column metadata);
--   22023  change N: compressed change chunks are not accepted (type 2; see docs/server-contract.md);
--   42501  change N: actor belongs to another member (an actor is bound to the member who pushed
--          its first change in the trip);
--   23505  change N: actor seq already used by a different change (409; not retryable: the
--          pushing replica reused an (actor, seq), e.g. after losing local state);
--   PT409  change N: missing dependency <hex> (409; retryable: a dependency is neither in the log
--          nor earlier in the same call; push in causal order).
-- N is the 0-based index in p_changes, as in every push_changes message. A change already in the
-- log is returned with its seq whoever pushes it again (idempotent retries); the checks above
-- apply to changes not yet stored. All or nothing, as before.

-- push_changes -------------------------------------------------------------------------------------
create or replace function public.push_changes(p_trip_id uuid, p_changes text[])
returns table (seq bigint, hash text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  -- Limits protect row size, request memory and the time the trip's row lock is held.
  c_max_change constant int := 1048576;      -- 1 MiB per change set
  c_max_call constant bigint := 4194304;     -- 4 MiB per call
  c_max_count constant int := 1000;          -- change sets per call (tiny ones would hold the lock long)
  v_uid uuid := auth.uid();
  v_last bigint;
  v_index int := 0;
  v_label text;
  v_text text;
  v_bytes bytea;
  v_digest bytea;
  v_total bigint := 0;
  v_header record;
  v_change record;
  v_all_bytes bytea[] := '{}';
  v_all_hashes bytea[] := '{}';
  v_all_actors bytea[] := '{}';
  v_all_aseqs bigint[] := '{}';
  -- Dependencies, flattened: v_dep_hashes[k] is a dependency of change v_dep_owner[k] (1-based).
  v_dep_hashes bytea[] := '{}';
  v_dep_owner int[] := '{}';
  v_new int[];
  v_bad_ord int;
  v_bad_hash bytea;
begin
  perform private.require_trip_role(p_trip_id, 'editor');
  if p_changes is null or cardinality(p_changes) = 0 then
    return;
  end if;
  if array_ndims(p_changes) <> 1 then
    raise exception using errcode = '22023', message = 'p_changes must be a one-dimensional array';
  end if;
  if cardinality(p_changes) > c_max_count then
    raise exception using errcode = 'PT413', message = 'push too large',
      detail = format('at most %s change sets per call', c_max_count);
  end if;
  -- Cheap bound before decoding anything: base64 is 4/3 of the bytes.
  if (select sum(octet_length(t)) from unnest(p_changes) as t) > c_max_call * 2 then
    raise exception using errcode = 'PT413', message = 'push too large',
      detail = format('at most %s bytes of change sets per call', c_max_call);
  end if;

  foreach v_text in array p_changes loop
    v_label := 'change ' || v_index;
    if octet_length(v_text) > c_max_change * 2 then
      raise exception using errcode = 'PT413', message = v_label || ': too large',
        detail = format('at most %s bytes per change set', c_max_change);
    end if;
    v_bytes := private.decode_base64(v_text, v_label);
    if octet_length(v_bytes) > c_max_change then
      raise exception using errcode = 'PT413', message = v_label || ': too large',
        detail = format('%s bytes; at most %s bytes per change set', octet_length(v_bytes), c_max_change);
    end if;
    v_total := v_total + octet_length(v_bytes);
    if v_total > c_max_call then
      raise exception using errcode = 'PT413', message = 'push too large',
        detail = format('at most %s bytes of change sets per call', c_max_call);
    end if;
    v_header := private.chunk_header(v_bytes, 0);
    if v_header.chunk_type is null then
      raise exception using errcode = '22023', message = v_label || ': not an Automerge change',
        detail = 'no Automerge chunk header (magic bytes 85 6f 4a 83, checksum, type, length)';
    end if;
    if v_header.chunk_type = 2 then
      -- Its hash, deps and actor are inside the DEFLATE stream, which Postgres cannot inflate.
      raise exception using errcode = '22023', message = v_label || ': compressed change chunks are not accepted',
        detail = 'chunk type 2 (a DEFLATE-compressed change)',
        hint = 'Push the uncompressed chunk: magic, the same checksum, type 1, the inflated body''s length, the inflated body. A.getChanges and A.getLastLocalChange return that form.';
    end if;
    if v_header.chunk_type <> 1 then
      raise exception using errcode = '22023', message = v_label || ': not an Automerge change',
        detail = format('chunk type %s; only uncompressed change chunks (type 1) are accepted', v_header.chunk_type);
    end if;
    if v_header.chunk_end <> octet_length(v_bytes) then
      raise exception using errcode = '22023', message = v_label || ': not an Automerge change',
        detail = format('length mismatch: the chunk declares %s bytes, %s follow its header',
                        v_header.chunk_end - v_header.body_start, octet_length(v_bytes) - v_header.body_start);
    end if;
    v_digest := extensions.digest(substring(v_bytes from 9), 'sha256');
    if substring(v_bytes from 5 for 4) <> substring(v_digest from 1 for 4) then
      raise exception using errcode = '22023', message = v_label || ': checksum mismatch';
    end if;
    v_change := private.parse_change(v_bytes, v_header.body_start);
    if v_change.problem is not null then
      raise exception using errcode = '22023', message = v_label || ': malformed change',
        detail = v_change.problem;
    end if;
    v_all_bytes := v_all_bytes || v_bytes;
    v_all_hashes := v_all_hashes || v_digest;
    v_all_actors := v_all_actors || v_change.actor;
    v_all_aseqs := v_all_aseqs || v_change.actor_seq;
    if cardinality(v_change.deps) > 0 then
      v_dep_hashes := v_dep_hashes || v_change.deps;
      v_dep_owner := v_dep_owner || array_fill(v_index + 1, array[cardinality(v_change.deps)]);
    end if;
    v_index := v_index + 1;
  end loop;

  -- Serialise pushes to this trip: seqs are handed out under the trip's row lock, held until
  -- commit, so commits happen in seq order and a reader's cursor can never skip a later-committing
  -- lower seq. (Re-checks deletion: delete_trip may have committed since the role check.) Every
  -- check against the log below runs under this lock, so no concurrent push can slip between.
  select t.last_seq into v_last from public.trips t where t.id = p_trip_id and t.deleted_at is null for update;
  if v_last is null then
    raise exception using errcode = '42501', message = 'not a member';
  end if;
  -- The caller may have been removed or demoted while this call waited for the lock.
  perform private.require_trip_role(p_trip_id, 'editor');

  -- The changes to store: first occurrence within the call, not yet in the log (1-based, in order).
  select coalesce(array_agg(f.ord order by f.ord), '{}') into v_new
  from (
    select distinct on (u.h) u.h, u.ord
    from unnest(v_all_hashes) with ordinality as u (h, ord)
    order by u.h, u.ord
  ) f
  where not exists (select 1 from public.trip_changes c where c.trip_id = p_trip_id and c.hash = f.h);

  if cardinality(v_new) > 0 then
    -- An actor belongs to the member who pushed its first change in this trip.
    select n.ord into v_bad_ord
    from unnest(v_new) as n (ord)
    join public.trip_actors a on a.trip_id = p_trip_id and a.actor = v_all_actors[n.ord]
    where a.author_id <> v_uid
    order by n.ord
    limit 1;
    if v_bad_ord is not null then
      raise exception using errcode = '42501', message = format('change %s: actor belongs to another member', v_bad_ord - 1),
        hint = 'Each member (and each device) must use its own Automerge actor id.';
    end if;

    -- One change per (actor, seq): in the log, or twice among the new ones.
    select n.ord into v_bad_ord
    from unnest(v_new) as n (ord)
    where exists (
        select 1 from public.trip_changes c
        where c.trip_id = p_trip_id and c.actor = v_all_actors[n.ord] and c.actor_seq = v_all_aseqs[n.ord]
      )
      or exists (
        select 1 from unnest(v_new) as m (ord)
        where m.ord < n.ord and v_all_actors[m.ord] = v_all_actors[n.ord] and v_all_aseqs[m.ord] = v_all_aseqs[n.ord]
      )
    order by n.ord
    limit 1;
    if v_bad_ord is not null then
      raise exception using errcode = '23505',
        message = format('change %s: actor seq already used by a different change', v_bad_ord - 1),
        detail = format('actor %s, seq %s', encode(v_all_actors[v_bad_ord], 'hex'), v_all_aseqs[v_bad_ord]),
        hint = 'This replica reused a seq of its actor (lost local state?). Reload the trip from the server and continue under a new actor id.';
    end if;

    -- Causally closed: every dependency of a new change is in the log or earlier in this call.
    select x.owner, x.dep into v_bad_ord, v_bad_hash
    from unnest(v_dep_hashes, v_dep_owner) with ordinality as x (dep, owner, k)
    join unnest(v_new) as n (ord) on n.ord = x.owner
    left join (
      select u.h, min(u.ord) as ord from unnest(v_all_hashes) with ordinality as u (h, ord) group by u.h
    ) f on f.h = x.dep
    where (f.ord is null or f.ord >= x.owner)
      and not exists (select 1 from public.trip_changes c where c.trip_id = p_trip_id and c.hash = x.dep)
    order by x.owner, x.k
    limit 1;
    if v_bad_ord is not null then
      raise exception using errcode = 'PT409',
        message = format('change %s: missing dependency %s', v_bad_ord - 1, encode(v_bad_hash, 'hex')),
        hint = 'Push the missing change first (changes in causal order), then retry.';
    end if;

    -- New change sets get the next seqs in input order; one insert statement = one Realtime
    -- message (see the statement trigger).
    insert into public.trip_changes (trip_id, seq, hash, data, author_id, deps, actor, actor_seq)
    select p_trip_id, v_last + n.rank, v_all_hashes[n.ord], v_all_bytes[n.ord], v_uid,
           coalesce(d.deps, '{}'), v_all_actors[n.ord], v_all_aseqs[n.ord]
    from unnest(v_new) with ordinality as n (ord, rank)
    left join (
      select x.owner, array_agg(x.dep order by x.k) as deps
      from unnest(v_dep_hashes, v_dep_owner) with ordinality as x (dep, owner, k)
      group by x.owner
    ) d on d.owner = n.ord
    order by n.rank;

    -- The dependencies of the new changes are no longer heads from the first seq that names them.
    update public.trip_changes c
    set superseded_by = s.first_seq
    from (
      select x.dep, min(v_last + n.rank) as first_seq
      from unnest(v_dep_hashes, v_dep_owner) as x (dep, owner)
      join unnest(v_new) with ordinality as n (ord, rank) on n.ord = x.owner
      group by x.dep
    ) s
    where c.trip_id = p_trip_id and c.hash = s.dep and c.superseded_by is null;

    insert into public.trip_actors (trip_id, actor, author_id, first_seq)
    select distinct on (v_all_actors[n.ord]) p_trip_id, v_all_actors[n.ord], v_uid, v_last + n.rank
    from unnest(v_new) with ordinality as n (ord, rank)
    order by v_all_actors[n.ord], n.rank
    on conflict (trip_id, actor) do nothing;

    update public.trips t set last_seq = v_last + cardinality(v_new) where t.id = p_trip_id;
  end if;

  return query
  select c.seq, encode(u.h, 'hex')
  from unnest(v_all_hashes) with ordinality as u (h, ord)
  join public.trip_changes c on c.trip_id = p_trip_id and c.hash = u.h
  order by u.ord;
end;
$$;
comment on function public.push_changes(uuid, text[]) is 'Editors and owners: appends base64 Automerge change chunks (uncompressed, type 1) to the trip log in causal order; returns (seq, hash) per input in input order. Idempotent by hash; all or nothing; PT409 missing dependency, 42501 actor of another member, 23505 reused actor seq.';

-- pull_changes -------------------------------------------------------------------------------------
drop function public.pull_changes(uuid, bigint, int);
create function public.pull_changes(p_trip_id uuid, p_after_seq bigint default 0, p_limit int default 1000)
returns table (seq bigint, hash text, data text, author_id uuid)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, 'viewer');
  if p_after_seq is null or p_after_seq < 0 then
    raise exception using errcode = '22023', message = 'p_after_seq must be >= 0';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception using errcode = '22023', message = 'p_limit must be between 1 and 1000';
  end if;
  -- A page also stops once it holds ~8 MiB of change data (always at least one row), so a page of
  -- large change sets cannot exceed what a response should carry. A short page is therefore not
  -- the end of the log: clients read on from the last seq until they reach last_seq.
  -- encode(…, 'base64') breaks lines every 76 characters; the wire wants one string.
  return query
  select p.seq, encode(p.hash, 'hex'), translate(encode(p.data, 'base64'), E'\n', ''), p.author_id
  from (
    select c.seq, c.hash, c.data, c.author_id,
           sum(octet_length(c.data)) over (order by c.seq) - octet_length(c.data) as bytes_before
    from public.trip_changes c
    where c.trip_id = p_trip_id and c.seq > p_after_seq
    order by c.seq
    limit p_limit
  ) p
  where p.bytes_before < 8388608
  order by p.seq;
end;
$$;
comment on function public.pull_changes(uuid, bigint, int) is 'Members: change sets with seq > p_after_seq in seq order, at most p_limit (1..1000), data as base64, author_id = the member who pushed it (the only authorship to show).';

-- get_snapshot -------------------------------------------------------------------------------------
drop function public.get_snapshot(uuid);
create function public.get_snapshot(p_trip_id uuid)
returns table (seq bigint, data text, heads text[])
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, 'viewer');
  return query
  select s.seq, translate(encode(s.data, 'base64'), E'\n', ''),
         array(select encode(h, 'hex') from unnest(s.heads) as h order by h)
  from public.trip_snapshots s
  where s.trip_id = p_trip_id;
end;
$$;
comment on function public.get_snapshot(uuid) is 'Members: the trip''s latest snapshot (seq it covers, base64 Automerge save(), the log''s heads at seq as sorted hex), or no row. Trust it only if A.getHeads(A.load(data)) equals heads.';

-- put_snapshot -------------------------------------------------------------------------------------
create or replace function public.put_snapshot(p_trip_id uuid, p_seq bigint, p_data text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_max_snapshot constant int := 5242880;  -- 5 MiB: fits the API's request body limit as base64
  v_uid uuid := auth.uid();
  v_last bigint;
  v_bytes bytea;
  v_offset bigint := 0;
  v_header record;
begin
  perform private.require_trip_role(p_trip_id, 'editor');
  if p_seq is null or p_seq < 0 then
    raise exception using errcode = '22023', message = 'p_seq must be >= 0';
  end if;
  if octet_length(p_data) > c_max_snapshot * 2 then
    raise exception using errcode = 'PT413', message = 'snapshot too large',
      detail = format('at most %s bytes', c_max_snapshot);
  end if;
  v_bytes := private.decode_base64(p_data, 'snapshot');
  if octet_length(v_bytes) > c_max_snapshot then
    raise exception using errcode = 'PT413', message = 'snapshot too large',
      detail = format('%s bytes; at most %s bytes', octet_length(v_bytes), c_max_snapshot);
  end if;
  -- A save() is a document chunk (type 0), possibly followed by change chunks Automerge could not
  -- yet apply. Every chunk must be well formed; checksums are verified where Automerge defines them
  -- over the stored bytes (types 0 and 1; a compressed chunk's covers the uncompressed form).
  loop
    v_header := private.chunk_header(v_bytes, v_offset::int);
    if v_header.chunk_type is null or v_header.chunk_end > octet_length(v_bytes)
       or (v_offset = 0 and v_header.chunk_type <> 0) or v_header.chunk_type not in (0, 1, 2) then
      raise exception using errcode = '22023', message = 'snapshot: not an Automerge document',
        detail = format('no valid chunk at byte %s (a save() starts with a document chunk, type 0)', v_offset);
    end if;
    if v_header.chunk_type in (0, 1)
       and substring(v_bytes from v_offset::int + 5 for 4)
           <> substring(extensions.digest(substring(v_bytes from v_offset::int + 9 for (v_header.chunk_end - v_offset - 8)::int), 'sha256') from 1 for 4) then
      raise exception using errcode = '22023', message = 'snapshot: checksum mismatch',
        detail = format('chunk at byte %s', v_offset);
    end if;
    v_offset := v_header.chunk_end;
    exit when v_offset = octet_length(v_bytes);
  end loop;

  select t.last_seq into v_last from public.trips t where t.id = p_trip_id and t.deleted_at is null for update;
  if v_last is null then
    raise exception using errcode = '42501', message = 'not a member';
  end if;
  -- The caller may have been removed or demoted while this call waited for the lock.
  perform private.require_trip_role(p_trip_id, 'editor');
  if p_seq > v_last then
    raise exception using errcode = '22023', message = 'seq beyond last_seq',
      detail = format('p_seq %s, last_seq %s', p_seq, v_last);
  end if;

  -- Newer replaces older; an older or equal one is ignored (a slower client's upload loses). The
  -- heads come from the log, never from the uploader: a reader checks the snapshot against them.
  insert into public.trip_snapshots as s (trip_id, seq, data, created_by, heads)
  values (p_trip_id, p_seq, v_bytes, v_uid, private.heads_at(p_trip_id, p_seq))
  on conflict (trip_id) do update
    set seq = excluded.seq, data = excluded.data, created_by = excluded.created_by, created_at = now(),
        heads = excluded.heads
    where s.seq < excluded.seq;
  if found then
    update public.trips t set snapshot_seq = p_seq where t.id = p_trip_id;
  end if;
end;
$$;
comment on function public.put_snapshot(uuid, bigint, text) is 'Editors and owners: stores a base64 Automerge save() covering seq <= p_seq (<= last_seq) with the log''s heads at p_seq; replaces an older snapshot, ignores an older upload.';

revoke execute on function public.pull_changes(uuid, bigint, int), public.get_snapshot(uuid) from public, anon;
grant execute on function public.pull_changes(uuid, bigint, int), public.get_snapshot(uuid) to authenticated;
