-- Guest claim: a guest (anonymous user) who signs in to an existing account keeps their trips.
--
-- Affects: public.guest_claims (new); functions public.create_claim_token, public.redeem_claim_token.
--
-- Why: Tripmate starts every visitor as an anonymous user. Linking an email keeps the same user id,
-- so nothing needs moving; but a guest who already has an account signs in as another user, and
-- the guest's trips would stay behind with a user nobody can sign in as again. The guest proves
-- the trips are theirs by minting a one-time token while still signed in as the guest; the account
-- redeems it right after signing in, and the server moves the guest's memberships, ownerships,
-- invites and Automerge actor bindings to the account. Only the token's SHA-256 is stored, it lives
-- 15 minutes and works once: a leaked row is useless, and a token seen over a shoulder expires fast.

create table public.guest_claims (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  guest_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table public.guest_claims is 'One-time tokens a guest makes so that the account they sign in to can take over their trips. Only the sha256 of a token is stored.';
comment on column public.guest_claims.guest_id is 'The anonymous user whose trips the token hands over.';
create index guest_claims_guest_id_idx on public.guest_claims (guest_id);
alter table public.guest_claims enable row level security;
revoke all on public.guest_claims from anon, authenticated;

-- create_claim_token --------------------------------------------------------------------------------
create or replace function public.create_claim_token()
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_token text;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  -- The JWT's is_anonymous claim, as Supabase's guides check it; it only ever goes from true to
  -- false, so a stale token can at worst let a permanent user hand over their own trips.
  if coalesce((auth.jwt() ->> 'is_anonymous')::boolean, false) is not true then
    raise exception using errcode = '42501', message = 'only a guest can hand over trips',
      hint = 'A signed-in account keeps its trips; there is nothing to claim.';
  end if;
  -- One live token per guest: a new one replaces any earlier one.
  delete from public.guest_claims c where c.guest_id = v_uid;
  -- 144 random bits, base64url without padding (24 characters), like invite tokens.
  v_token := translate(encode(extensions.gen_random_bytes(18), 'base64'), '+/', '-_');
  insert into public.guest_claims (token_hash, guest_id, expires_at)
  values (extensions.digest(v_token, 'sha256'), v_uid, now() + interval '15 minutes');
  return v_token;
end;
$$;
comment on function public.create_claim_token() is 'Guests (anonymous users): a one-time token, valid 15 minutes, that lets the account they sign in to take over their trips (redeem_claim_token). Only its sha256 is stored.';

-- redeem_claim_token --------------------------------------------------------------------------------
create or replace function public.redeem_claim_token(p_token text)
returns int
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_claim public.guest_claims;
  v_member record;
  v_current text;
  v_moved int := 0;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if coalesce((auth.jwt() ->> 'is_anonymous')::boolean, false) then
    raise exception using errcode = '42501', message = 'sign in to an account to claim a guest''s trips';
  end if;
  if p_token is null or octet_length(p_token) > 200 then
    raise exception using errcode = '22023', message = 'claim token not found';
  end if;
  -- Locked: of two redemptions of one token, the second waits and then finds nothing.
  select c.* into v_claim from public.guest_claims c
  where c.token_hash = extensions.digest(p_token, 'sha256')
  for update;
  if v_claim.token_hash is null then
    raise exception using errcode = '22023', message = 'claim token not found';
  end if;
  if v_claim.expires_at <= now() then
    raise exception using errcode = '22023', message = 'claim token expired',
      hint = 'Make a new one while signed in as the guest.';
  end if;
  delete from public.guest_claims c where c.guest_id = v_claim.guest_id;
  if v_claim.guest_id = v_uid then
    return 0;
  end if;

  -- Trip rows first, in id order, so two claims touching the same trips cannot deadlock.
  perform 1 from public.trips t
  where t.id in (select m.trip_id from public.trip_members m where m.user_id = v_claim.guest_id)
  order by t.id
  for update;

  for v_member in
    select m.trip_id, m.role from public.trip_members m
    where m.user_id = v_claim.guest_id
    order by m.trip_id
  loop
    select m.role into v_current from public.trip_members m
    where m.trip_id = v_member.trip_id and m.user_id = v_uid;
    -- The guest's row goes first: the one-owner index must never see two owners.
    delete from public.trip_members m where m.trip_id = v_member.trip_id and m.user_id = v_claim.guest_id;
    if v_current is null then
      insert into public.trip_members (trip_id, user_id, role) values (v_member.trip_id, v_uid, v_member.role);
    elsif private.role_rank(v_member.role) > private.role_rank(v_current) then
      update public.trip_members m set role = v_member.role
      where m.trip_id = v_member.trip_id and m.user_id = v_uid;
    end if;
    perform private.send_membership(v_member.trip_id, 'left', v_claim.guest_id, v_member.role);
    perform private.send_membership(v_member.trip_id, 'joined', v_uid,
      case when v_current is null or private.role_rank(v_member.role) > private.role_rank(v_current)
           then v_member.role else v_current end);
    v_moved := v_moved + 1;
  end loop;

  update public.trips t set owner_id = v_uid where t.owner_id = v_claim.guest_id;
  update public.trip_invites i set created_by = v_uid where i.created_by = v_claim.guest_id;

  -- The guest's Automerge actors become the account's, so the account can push the edits the guest
  -- made offline. The binding table comes with the trip-log integrity migrations; it is looked up by
  -- name so this migration applies with or without them.
  if to_regclass('public.trip_actors') is not null then
    execute 'update public.trip_actors a set author_id = $1 where a.author_id = $2'
      using v_uid, v_claim.guest_id;
  end if;

  -- The guest's name and colour, when the account has none yet.
  insert into public.profiles (id, display_name, color, updated_at)
  select v_uid, p.display_name, p.color, now() from public.profiles p where p.id = v_claim.guest_id
  on conflict (id) do nothing;

  return v_moved;
end;
$$;
comment on function public.redeem_claim_token(text) is 'Signed-in accounts (not guests): takes over the trips of the guest who made the token — memberships (keeping the higher role), ownership, invites, actor bindings — and returns how many trips moved; 22023 claim token not found | claim token expired.';

revoke execute on function public.create_claim_token(), public.redeem_claim_token(text) from public, anon;
grant execute on function public.create_claim_token(), public.redeem_claim_token(text) to authenticated;
