-- Trip log Realtime: hints, not data; presence for every member, broadcast for editors.
--
-- Affects: private.broadcast_trip_changes() (replaced; trigger trip_changes_broadcast unchanged);
--          policies on realtime.messages.
--
-- Topic: trip:<trip_id> (private). Events:
--   changes     {trip_id, from_seq, to_seq, hashes, author_ids}: one per push_changes call that
--               stored something; hashes[i] (hex) and author_ids[i] belong to seq from_seq + i.
--               Never change data: hosted Realtime authorises a private channel only at join and
--               token refresh, so a member removed while subscribed would otherwise keep receiving
--               the trip's content. Members pull with their own, checked rights.
--   membership  {trip_id, action, user_id, role, by}: action joined | left | removed | deleted |
--               role_changed | restored.
-- Every member may receive and track presence; only editors and owners may broadcast. Any editor
-- can broadcast a forged event, so every message is a hint.

create or replace function private.broadcast_trip_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
begin
  for r in
    select n.trip_id, min(n.seq) as from_seq, max(n.seq) as to_seq,
           jsonb_agg(encode(n.hash, 'hex') order by n.seq) as hashes,
           jsonb_agg(n.author_id order by n.seq) as author_ids
    from new_rows n
    group by n.trip_id
  loop
    perform realtime.send(
      jsonb_build_object('trip_id', r.trip_id, 'from_seq', r.from_seq, 'to_seq', r.to_seq,
                         'hashes', r.hashes, 'author_ids', r.author_ids),
      'changes',
      'trip:' || r.trip_id::text,
      true
    );
  end loop;
  return null;
end;
$$;
comment on function private.broadcast_trip_changes() is 'Statement trigger: one Realtime "changes" hint {trip_id, from_seq, to_seq, hashes, author_ids} per trip per insert statement (= per push); never change data.';
revoke execute on function private.broadcast_trip_changes() from public, anon, authenticated;

-- Authorization by extension: presence is part of being on the trip (who else is here), a
-- broadcast is a write to everyone's screen.
drop policy if exists "Trip editors can broadcast and track presence on their trip channel." on realtime.messages;

create policy "Trip members can track presence on their trip channel."
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension = 'presence'
    and (select private.is_trip_member((select realtime.topic()), 'viewer'))
  );

create policy "Trip editors can broadcast on their trip channel."
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension = 'broadcast'
    and (select private.is_trip_member((select realtime.topic()), 'editor'))
  );
