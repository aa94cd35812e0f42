-- Members, invites and roles for the screens to come: list and revoke invites, change a member's
-- role, hand a trip over, restore a deleted trip.
--
-- Affects: functions public.list_invites, revoke_invite, set_member_role, transfer_ownership,
--          restore_trip; reads and writes public.trips, trip_members, trip_invites.
--
-- Same rules as 20261121000100: security definer, empty search_path, the actor is auth.uid(), the
-- role is checked first and again under the trip's row lock (so a concurrent remove_member,
-- transfer or delete cannot be overtaken), unknown and deleted trips are "not a member".
-- Membership events (private.send_membership) gain the actions role_changed and restored.

-- Locks the trip row and re-checks the caller's role under the lock.
create or replace function private.lock_trip_for(p_trip_id uuid, p_min_role text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, p_min_role);
  perform 1 from public.trips t where t.id = p_trip_id and t.deleted_at is null for update;
  if not found then
    raise exception using errcode = '42501', message = 'not a member';
  end if;
  perform private.require_trip_role(p_trip_id, p_min_role);
end;
$$;
comment on function private.lock_trip_for(uuid, text) is 'require_trip_role, then the trip''s row lock, then require_trip_role again under it.';
revoke execute on function private.lock_trip_for(uuid, text) from public, anon, authenticated;

-- list_invites -------------------------------------------------------------------------------------
create or replace function public.list_invites(p_trip_id uuid)
returns table (id uuid, role text, created_at timestamptz, expires_at timestamptz, uses int, max_uses int)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_trip_role(p_trip_id, 'owner');
  -- Only the token's hash is stored; the token itself was shown once, by create_invite.
  return query
  select i.id, i.role, i.created_at, i.expires_at, i.uses, i.max_uses
  from public.trip_invites i
  where i.trip_id = p_trip_id
  order by i.created_at, i.id;
end;
$$;
comment on function public.list_invites(uuid) is 'Owners: the trip''s invites (id, role, created_at, expires_at, uses, max_uses), oldest first, expired and used-up ones included; never the token.';

-- revoke_invite ------------------------------------------------------------------------------------
create or replace function public.revoke_invite(p_invite_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_trip_id uuid;
begin
  if auth.uid() is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_invite_id is null then
    raise exception using errcode = '22023', message = 'p_invite_id is required';
  end if;
  select i.trip_id into v_trip_id from public.trip_invites i where i.id = p_invite_id;
  -- An unknown (or already revoked) invite is a no-op, so a retry succeeds and ids do not leak.
  if v_trip_id is null then
    return;
  end if;
  perform private.lock_trip_for(v_trip_id, 'owner');
  delete from public.trip_invites i where i.id = p_invite_id;
end;
$$;
comment on function public.revoke_invite(uuid) is 'Owners of the invite''s trip: deletes the invite so its token no longer works; unknown ids are a no-op.';

-- set_member_role ----------------------------------------------------------------------------------
create or replace function public.set_member_role(p_trip_id uuid, p_user_id uuid, p_role text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_current text;
begin
  perform private.require_trip_role(p_trip_id, 'owner');
  if p_user_id is null then
    raise exception using errcode = '22023', message = 'p_user_id is required';
  end if;
  if p_role is null or p_role not in ('editor', 'viewer') then
    raise exception using errcode = '22023', message = 'p_role must be editor or viewer';
  end if;
  perform private.lock_trip_for(p_trip_id, 'owner');
  select m.role into v_current from public.trip_members m
  where m.trip_id = p_trip_id and m.user_id = p_user_id for update;
  if v_current is null then
    raise exception using errcode = '22023', message = 'p_user_id is not a member of this trip';
  end if;
  if v_current = 'owner' then
    raise exception using errcode = 'P0001', message = 'the owner''s role cannot be changed',
      hint = 'Use transfer_ownership to hand the trip over.';
  end if;
  if v_current = p_role then
    return;
  end if;
  update public.trip_members m set role = p_role where m.trip_id = p_trip_id and m.user_id = p_user_id;
  perform private.send_membership(p_trip_id, 'role_changed', p_user_id, p_role);
end;
$$;
comment on function public.set_member_role(uuid, uuid, text) is 'Owners: makes a member other than the owner an editor or a viewer (effective at once) and broadcasts role_changed.';

-- transfer_ownership -------------------------------------------------------------------------------
create or replace function public.transfer_ownership(p_trip_id uuid, p_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_current text;
begin
  perform private.require_trip_role(p_trip_id, 'owner');
  if p_user_id is null then
    raise exception using errcode = '22023', message = 'p_user_id is required';
  end if;
  perform private.lock_trip_for(p_trip_id, 'owner');
  if p_user_id = v_uid then
    return;
  end if;
  select m.role into v_current from public.trip_members m
  where m.trip_id = p_trip_id and m.user_id = p_user_id for update;
  if v_current is null then
    raise exception using errcode = '22023', message = 'p_user_id is not a member of this trip',
      hint = 'Invite them first.';
  end if;
  -- One owner per trip (trip_members_one_owner_idx): step down before the new owner steps up.
  update public.trip_members m set role = 'editor' where m.trip_id = p_trip_id and m.user_id = v_uid;
  update public.trip_members m set role = 'owner' where m.trip_id = p_trip_id and m.user_id = p_user_id;
  update public.trips t set owner_id = p_user_id where t.id = p_trip_id;
  perform private.send_membership(p_trip_id, 'role_changed', p_user_id, 'owner');
  perform private.send_membership(p_trip_id, 'role_changed', v_uid, 'editor');
end;
$$;
comment on function public.transfer_ownership(uuid, uuid) is 'Owners: makes another member the owner; the old owner becomes an editor (and may then leave). Broadcasts role_changed for both.';

-- restore_trip -------------------------------------------------------------------------------------
create or replace function public.restore_trip(p_trip_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_window constant interval := interval '30 days';
  v_uid uuid := auth.uid();
  v_deleted timestamptz;
begin
  if v_uid is null then
    raise exception using errcode = '42501', message = 'not signed in';
  end if;
  if p_trip_id is null then
    raise exception using errcode = '22023', message = 'p_trip_id is required';
  end if;
  -- Only the owner of record; to anyone else a deleted trip does not exist (no id leak).
  select t.deleted_at into v_deleted from public.trips t
  where t.id = p_trip_id and t.owner_id = v_uid
    and exists (select 1 from public.trip_members m where m.trip_id = t.id and m.user_id = v_uid and m.role = 'owner')
  for update;
  if not found then
    raise exception using errcode = '42501', message = 'not a member',
      detail = 'The trip does not exist, or the caller is not its owner.';
  end if;
  if v_deleted is null then
    return; -- not deleted (or restored by a retry): nothing to do
  end if;
  if v_deleted < now() - c_window then
    raise exception using errcode = 'P0001', message = 'trip deleted more than 30 days ago',
      detail = format('deleted at %s', v_deleted);
  end if;
  update public.trips t set deleted_at = null where t.id = p_trip_id;
  perform private.send_membership(p_trip_id, 'restored', null, null);
end;
$$;
comment on function public.restore_trip(uuid) is 'The owner: undoes delete_trip within 30 days (members and log come back; invites deleted with the trip do not). P0001 after 30 days.';

revoke execute on function
  public.list_invites(uuid),
  public.revoke_invite(uuid),
  public.set_member_role(uuid, uuid, text),
  public.transfer_ownership(uuid, uuid),
  public.restore_trip(uuid)
from public, anon;
grant execute on function
  public.list_invites(uuid),
  public.revoke_invite(uuid),
  public.set_member_role(uuid, uuid, text),
  public.transfer_ownership(uuid, uuid),
  public.restore_trip(uuid)
to authenticated;
