-- Trip log: the API functions (the contract of ARCHITECTURE.md §4) and their validation helpers.
--
-- Affects: functions public.create_trip, set_trip_name, push_changes, pull_changes, get_snapshot,
--          put_snapshot, sync_status, create_invite, accept_invite, remove_member, leave_trip,
--          delete_trip, set_profile; private.chunk_header, private.decode_base64,
--          private.send_membership; reads and writes every trip table.
--
-- Every API function is security definer with an empty search_path and schema-qualified names,
-- takes the actor from auth.uid() (never from a parameter), and starts with
-- private.require_trip_role. Errors carry the SQLSTATEs PostgREST maps to statuses:
--   42501 (401 for anon, else 403)  not signed in | not a member | read-only member | owner only
--   22023 (400)                     malformed input: not base64, not an Automerge change, ...
--   PT413 (413)                     too large
--   P0001 (400)                     a rule, not the input, refuses (an owner cannot leave)
-- Unknown or deleted trip ids are reported as "not a member" so trip ids do not leak.
-- Limits: 1 MiB per change set, 4 MiB and 1,000 change sets per push; a pull page stops at
-- p_limit rows or ~8 MiB of data, whichever comes first. Roles are checked again under the trip's
-- row lock. A member removed by an owner cannot rejoin through an invite older than the removal.
-- Change sets and snapshots travel as base64 text (PostgREST would send bytea as hex, twice the
-- size) and are stored as bytea.

-- Validation helpers ------------------------------------------------------------------------------

-- Reads the header of the Automerge chunk at p_offset: magic 85 6f 4a 83, 4 checksum bytes, the
-- chunk type byte, the body length as an unsigned LEB128. Returns nulls when there is no valid
-- header there; chunk_end may lie beyond the input (the caller compares it with the length).
create or replace function private.chunk_header(
  p_bytes bytea,
  p_offset int,
  out chunk_type int,
  out body_start int,
  out chunk_end bigint
)
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_n int := octet_length(p_bytes);
  v_pos int := p_offset + 9;
  v_len bigint := 0;
  v_shift int := 0;
  v_byte int;
begin
  if v_n - p_offset < 10 or substring(p_bytes from p_offset + 1 for 4) <> '\x856f4a83'::bytea then
    return;
  end if;
  loop
    -- A length needs at most 5 LEB128 bytes here (bodies are far below 2^35 bytes).
    if v_pos >= v_n or v_shift > 28 then
      return;
    end if;
    v_byte := get_byte(p_bytes, v_pos);
    v_pos := v_pos + 1;
    -- Automerge writes minimal LEB128 and rejects padded forms (e.g. 83 00) when it parses.
    if v_byte = 0 and v_shift > 0 then
      return;
    end if;
    v_len := v_len | ((v_byte & 127)::bigint << v_shift);
    exit when v_byte < 128;
    v_shift := v_shift + 7;
  end loop;
  chunk_type := get_byte(p_bytes, p_offset + 8);
  body_start := v_pos;
  chunk_end := v_pos + v_len;
end;
$$;
comment on function private.chunk_header(bytea, int) is 'Parses an Automerge chunk header (magic, checksum, type, LEB128 length) at an offset; nulls if there is none.';

-- decode(…, 'base64') raising its own 22023 with a message about symbols; re-raised with the
-- contract's message and the position of the offending argument.
create or replace function private.decode_base64(p_text text, p_label text)
returns bytea
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_text is null then
    raise exception using errcode = '22023', message = p_label || ': not base64', detail = 'null';
  end if;
  return decode(p_text, 'base64');
exception
  when invalid_parameter_value or data_exception then
    raise exception using errcode = '22023', message = p_label || ': not base64', detail = sqlerrm;
end;
$$;
comment on function private.decode_base64(text, text) is 'decode(base64) that fails with 22023 "<label>: not base64".';

-- Tells the trip's private Realtime channel about a membership change.
create or replace function private.send_membership(p_trip_id uuid, p_action text, p_user_id uuid, p_role text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(
    jsonb_build_object('trip_id', p_trip_id, 'action', p_action, 'user_id', p_user_id, 'role', p_role,
                       'by', auth.uid()),
    'membership',
    'trip:' || p_trip_id::text,
    true
  );
end;
$$;
comment on function private.send_membership(uuid, text, uuid, text) is 'Broadcasts {trip_id, action joined|left|removed|deleted, user_id, role, by} as event membership on trip:<id>.';

revoke execute on function private.chunk_header(bytea, int), private.decode_base64(text, text),
  private.send_membership(uuid, text, uuid, text) from public, anon, authenticated;

-- create_trip --------------------------------------------------------------------------------------
create or replace function public.create_trip(p_trip_id uuid, p_name text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_owner uuid;
  v_deleted timestamptz;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_trip_id is null then
    raise exception using errcode = '22023', message = 'p_trip_id is required';
  end if;
  if p_name is null or char_length(btrim(p_name)) = 0 or char_length(p_name) > 200 then
    raise exception using errcode = '22023', message = 'p_name must be 1 to 200 characters';
  end if;

  insert into public.trips (id, owner_id, name) values (p_trip_id, v_uid, p_name)
  on conflict (id) do nothing;
  if found then
    insert into public.trip_members (trip_id, user_id, role) values (p_trip_id, v_uid, 'owner');
    return;
  end if;

  -- The id exists: a retry by its owner is a no-op, anyone else is refused.
  select t.owner_id, t.deleted_at into v_owner, v_deleted from public.trips t where t.id = p_trip_id;
  if v_owner is distinct from v_uid then
    raise exception using errcode = '42501', message = 'trip id belongs to another owner';
  end if;
  if v_deleted is not null then
    raise exception using errcode = '42501', message = 'trip was deleted';
  end if;
end;
$$;
comment on function public.create_trip(uuid, text) is 'Creates a trip (id made on the client) with the caller as owner; a repeat by the owner is a no-op.';

-- set_trip_name ------------------------------------------------------------------------------------
create or replace function public.set_trip_name(p_trip_id uuid, p_name text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, 'editor');
  if p_name is null or char_length(btrim(p_name)) = 0 or char_length(p_name) > 200 then
    raise exception using errcode = '22023', message = 'p_name must be 1 to 200 characters';
  end if;
  update public.trips set name = p_name where id = p_trip_id;
end;
$$;
comment on function public.set_trip_name(uuid, text) is 'Editors and owners: updates the plaintext name shown in the trips list.';

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
  v_all_bytes bytea[] := '{}';
  v_all_hashes bytea[] := '{}';
  v_inserted bigint;
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
    v_all_bytes := v_all_bytes || v_bytes;
    v_all_hashes := v_all_hashes || v_digest;
    v_index := v_index + 1;
  end loop;

  -- Serialise pushes to this trip: seqs are handed out under the trip's row lock, held until
  -- commit, so commits happen in seq order and a reader's cursor can never skip a later-committing
  -- lower seq. (Re-checks deletion: delete_trip may have committed since the role check.)
  select t.last_seq into v_last from public.trips t where t.id = p_trip_id and t.deleted_at is null for update;
  if v_last is null then
    raise exception using errcode = '42501', message = 'not a member';
  end if;
  -- The caller may have been removed or demoted while this call waited for the lock.
  perform private.require_trip_role(p_trip_id, 'editor');

  -- New change sets (first occurrence within the call, not yet in the log) get the next seqs in
  -- input order; one insert statement = one Realtime message (see the statement trigger).
  insert into public.trip_changes (trip_id, seq, hash, data, author_id)
  select p_trip_id, v_last + row_number() over (order by f.ord), f.h, f.b, v_uid
  from (
    select distinct on (u.h) u.h, u.b, u.ord
    from unnest(v_all_hashes, v_all_bytes) with ordinality as u (h, b, ord)
    order by u.h, u.ord
  ) f
  where not exists (
    select 1 from public.trip_changes c where c.trip_id = p_trip_id and c.hash = f.h
  )
  order by f.ord
  on conflict (trip_id, hash) do nothing;
  get diagnostics v_inserted = row_count;

  if v_inserted > 0 then
    update public.trips t set last_seq = v_last + v_inserted where t.id = p_trip_id;
  end if;

  return query
  select c.seq, encode(u.h, 'hex')
  from unnest(v_all_hashes) with ordinality as u (h, ord)
  join public.trip_changes c on c.trip_id = p_trip_id and c.hash = u.h
  order by u.ord;
end;
$$;
comment on function public.push_changes(uuid, text[]) is 'Editors and owners: appends base64 Automerge change chunks to the trip log; returns (seq, hash) per input in input order. Idempotent by hash; all or nothing.';

-- pull_changes -------------------------------------------------------------------------------------
create or replace function public.pull_changes(p_trip_id uuid, p_after_seq bigint default 0, p_limit int default 1000)
returns table (seq bigint, hash text, data text)
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
  select p.seq, encode(p.hash, 'hex'), translate(encode(p.data, 'base64'), E'\n', '')
  from (
    select c.seq, c.hash, c.data,
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
comment on function public.pull_changes(uuid, bigint, int) is 'Members: change sets with seq > p_after_seq in seq order, at most p_limit (1..1000), data as base64.';

-- get_snapshot -------------------------------------------------------------------------------------
create or replace function public.get_snapshot(p_trip_id uuid)
returns table (seq bigint, data text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, 'viewer');
  return query
  select s.seq, translate(encode(s.data, 'base64'), E'\n', '')
  from public.trip_snapshots s
  where s.trip_id = p_trip_id;
end;
$$;
comment on function public.get_snapshot(uuid) is 'Members: the trip''s latest snapshot (seq it covers, base64 Automerge save()), or no row.';

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

  -- Newer replaces older; an older or equal one is ignored (a slower client's upload loses).
  insert into public.trip_snapshots as s (trip_id, seq, data, created_by)
  values (p_trip_id, p_seq, v_bytes, v_uid)
  on conflict (trip_id) do update
    set seq = excluded.seq, data = excluded.data, created_by = excluded.created_by, created_at = now()
    where s.seq < excluded.seq;
  if found then
    update public.trips t set snapshot_seq = p_seq where t.id = p_trip_id;
  end if;
end;
$$;
comment on function public.put_snapshot(uuid, bigint, text) is 'Editors and owners: stores a base64 Automerge save() covering seq <= p_seq (<= last_seq); replaces an older snapshot, ignores an older upload.';

-- sync_status --------------------------------------------------------------------------------------
create or replace function public.sync_status()
returns table (trip_id uuid, name text, role text, last_seq bigint, snapshot_seq bigint, member_count int)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  return query
  select t.id, t.name, m.role, t.last_seq, t.snapshot_seq,
         (select count(*)::int from public.trip_members m2 where m2.trip_id = t.id)
  from public.trip_members m
  join public.trips t on t.id = m.trip_id
  where m.user_id = v_uid and t.deleted_at is null
  order by t.created_at, t.id;
end;
$$;
comment on function public.sync_status() is 'Signed-in users: one row per non-deleted trip they belong to, with their role, last_seq, snapshot_seq and member count.';

-- create_invite ------------------------------------------------------------------------------------
create or replace function public.create_invite(
  p_trip_id uuid,
  p_role text default 'editor',
  p_expires_in_hours int default 168,
  p_max_uses int default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token text;
begin
  perform private.require_trip_role(p_trip_id, 'owner');
  if p_role is null or p_role not in ('editor', 'viewer') then
    raise exception using errcode = '22023', message = 'p_role must be editor or viewer';
  end if;
  if p_expires_in_hours is null or p_expires_in_hours < 1 or p_expires_in_hours > 8760 then
    raise exception using errcode = '22023', message = 'p_expires_in_hours must be between 1 and 8760';
  end if;
  if p_max_uses is not null and p_max_uses < 1 then
    raise exception using errcode = '22023', message = 'p_max_uses must be null or >= 1';
  end if;
  -- 144 random bits, base64url without padding (24 characters, safe in a URL).
  v_token := translate(encode(extensions.gen_random_bytes(18), 'base64'), '+/', '-_');
  insert into public.trip_invites (token_hash, trip_id, role, created_by, expires_at, max_uses)
  values (extensions.digest(v_token, 'sha256'), p_trip_id, p_role, auth.uid(),
          now() + make_interval(hours => p_expires_in_hours), p_max_uses);
  return v_token;
end;
$$;
comment on function public.create_invite(uuid, text, int, int) is 'Owners: an invite token (144 random bits, shown once; only its sha256 is stored) for role editor or viewer.';

-- accept_invite ------------------------------------------------------------------------------------
create or replace function public.accept_invite(p_token text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_invite public.trip_invites;
  v_current text;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_token is null or octet_length(p_token) > 200 then
    raise exception using errcode = '22023', message = 'invite not found';
  end if;
  select i.* into v_invite
  from public.trip_invites i
  join public.trips t on t.id = i.trip_id
  where i.token_hash = extensions.digest(p_token, 'sha256') and t.deleted_at is null
  for update of i;
  if v_invite.token_hash is null then
    raise exception using errcode = '22023', message = 'invite not found';
  end if;

  -- Already a member: keep the higher role, use nothing up, so accepting twice is harmless.
  select m.role into v_current from public.trip_members m where m.trip_id = v_invite.trip_id and m.user_id = v_uid;
  if v_current is not null and private.role_rank(v_current) >= private.role_rank(v_invite.role) then
    return v_invite.trip_id;
  end if;

  if v_invite.expires_at <= now() then
    raise exception using errcode = '22023', message = 'invite expired';
  end if;
  -- A removed member cannot come back through a link that predates the removal.
  if exists (
    select 1 from public.trip_removals r
    where r.trip_id = v_invite.trip_id and r.user_id = v_uid and r.removed_at >= v_invite.created_at
  ) then
    raise exception using errcode = '42501', message = 'removed from this trip',
      hint = 'Ask an owner for a new invite.';
  end if;
  if v_invite.max_uses is not null and v_invite.uses >= v_invite.max_uses then
    raise exception using errcode = '22023', message = 'invite used up';
  end if;

  update public.trip_invites i set uses = i.uses + 1 where i.token_hash = v_invite.token_hash;
  insert into public.trip_members (trip_id, user_id, role) values (v_invite.trip_id, v_uid, v_invite.role)
  on conflict (trip_id, user_id) do update set role = excluded.role;
  perform private.send_membership(v_invite.trip_id, 'joined', v_uid, v_invite.role);
  return v_invite.trip_id;
end;
$$;
comment on function public.accept_invite(text) is 'Signed-in users: joins the invite''s trip with its role and returns the trip id; 22023 invite not found | invite expired | invite used up.';

-- remove_member ------------------------------------------------------------------------------------
create or replace function public.remove_member(p_trip_id uuid, p_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_role text;
begin
  perform private.require_trip_role(p_trip_id, 'owner');
  if p_user_id is null then
    raise exception using errcode = '22023', message = 'p_user_id is required';
  end if;
  if p_user_id = auth.uid() then
    raise exception using errcode = 'P0001', message = 'the owner cannot be removed',
      hint = 'Hand the trip over or delete it.';
  end if;
  delete from public.trip_members m where m.trip_id = p_trip_id and m.user_id = p_user_id
  returning m.role into v_role;
  -- Removing someone who is not a member is a no-op, so a retry succeeds.
  if v_role is not null then
    insert into public.trip_removals (trip_id, user_id) values (p_trip_id, p_user_id)
    on conflict (trip_id, user_id) do update set removed_at = now();
    perform private.send_membership(p_trip_id, 'removed', p_user_id, v_role);
  end if;
end;
$$;
comment on function public.remove_member(uuid, uuid) is 'Owners: removes a member (they lose access at once) and broadcasts a membership event.';

-- leave_trip ---------------------------------------------------------------------------------------
create or replace function public.leave_trip(p_trip_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_role text;
begin
  v_role := private.require_trip_role(p_trip_id, 'viewer');
  if v_role = 'owner' then
    raise exception using errcode = 'P0001', message = 'the owner cannot leave',
      hint = 'Hand the trip over or delete it.';
  end if;
  delete from public.trip_members m where m.trip_id = p_trip_id and m.user_id = auth.uid();
  perform private.send_membership(p_trip_id, 'left', auth.uid(), v_role);
end;
$$;
comment on function public.leave_trip(uuid) is 'Members other than the owner: leave the trip.';

-- delete_trip --------------------------------------------------------------------------------------
create or replace function public.delete_trip(p_trip_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- A retry by the owner after the trip is gone is a no-op.
  if exists (select 1 from public.trips t
             where t.id = p_trip_id and t.owner_id = auth.uid() and t.deleted_at is not null) then
    return;
  end if;
  perform private.require_trip_role(p_trip_id, 'owner');
  update public.trips t set deleted_at = now() where t.id = p_trip_id;
  delete from public.trip_invites i where i.trip_id = p_trip_id;
  perform private.send_membership(p_trip_id, 'deleted', null, null);
end;
$$;
comment on function public.delete_trip(uuid) is 'Owners: soft-deletes the trip (every member loses access at once) and broadcasts a membership event.';

-- set_profile --------------------------------------------------------------------------------------
create or replace function public.set_profile(p_display_name text, p_color text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_display_name is null or char_length(btrim(p_display_name)) = 0 or char_length(p_display_name) > 80 then
    raise exception using errcode = '22023', message = 'p_display_name must be 1 to 80 characters';
  end if;
  if p_color is null or p_color !~ '^#[0-9a-fA-F]{6}$' then
    raise exception using errcode = '22023', message = 'p_color must be #rrggbb';
  end if;
  insert into public.profiles (id, display_name, color) values (v_uid, p_display_name, p_color)
  on conflict (id) do update set display_name = excluded.display_name, color = excluded.color, updated_at = now();
end;
$$;
comment on function public.set_profile(text, text) is 'Signed-in users: sets their own display name and colour (the only way to write profiles).';

-- Grants: Postgres and Supabase's default privileges let public and anon execute; only signed-in
-- users (role authenticated, which includes anonymous sign-ins) may call these.
revoke execute on function
  public.create_trip(uuid, text),
  public.set_trip_name(uuid, text),
  public.push_changes(uuid, text[]),
  public.pull_changes(uuid, bigint, int),
  public.get_snapshot(uuid),
  public.put_snapshot(uuid, bigint, text),
  public.sync_status(),
  public.create_invite(uuid, text, int, int),
  public.accept_invite(text),
  public.remove_member(uuid, uuid),
  public.leave_trip(uuid),
  public.delete_trip(uuid),
  public.set_profile(text, text)
from public, anon;
grant execute on function
  public.create_trip(uuid, text),
  public.set_trip_name(uuid, text),
  public.push_changes(uuid, text[]),
  public.pull_changes(uuid, bigint, int),
  public.get_snapshot(uuid),
  public.put_snapshot(uuid, bigint, text),
  public.sync_status(),
  public.create_invite(uuid, text, int, int),
  public.accept_invite(text),
  public.remove_member(uuid, uuid),
  public.leave_trip(uuid),
  public.delete_trip(uuid),
  public.set_profile(text, text)
to authenticated;
