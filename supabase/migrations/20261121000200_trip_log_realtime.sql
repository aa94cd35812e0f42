-- Trip log: Realtime. One broadcast per push on the trip's private channel, and who may use it.
--
-- Affects: trigger trip_changes_broadcast on public.trip_changes, private.broadcast_trip_changes();
--          policies on realtime.messages.
--
-- Topic: trip:<trip_id> (private). Events:
--   changes     {trip_id, from_seq, to_seq, author_id, changes?: [{seq, hash, data}]}, one per
--               push_changes call that stored something; `changes` (data as base64) only when the
--               base64 totals <= 64 KiB, otherwise members pull.
--   membership  {trip_id, action, user_id, role, by}, from accept_invite, remove_member,
--               leave_trip and delete_trip.
-- Members receive; editors and owners may also broadcast and track presence. Authorization is
-- decided when a client joins (Realtime's model), through private.is_trip_member.

create or replace function private.broadcast_trip_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  c_inline_limit constant bigint := 65536;  -- base64 bytes carried inline; larger pushes are pulled
  r record;
begin
  for r in
    select n.trip_id, min(n.seq) as from_seq, max(n.seq) as to_seq,
           (array_agg(n.author_id order by n.seq))[1] as author_id,
           sum(4 * ((octet_length(n.data) + 2) / 3)) as base64_bytes
    from new_rows n
    group by n.trip_id
  loop
    perform realtime.send(
      jsonb_build_object('trip_id', r.trip_id, 'from_seq', r.from_seq, 'to_seq', r.to_seq, 'author_id', r.author_id)
      || case
           when r.base64_bytes <= c_inline_limit then jsonb_build_object('changes', (
             select jsonb_agg(jsonb_build_object('seq', n.seq, 'hash', encode(n.hash, 'hex'),
                                                 'data', translate(encode(n.data, 'base64'), E'\n', ''))
                              order by n.seq)
             from new_rows n
             where n.trip_id = r.trip_id))
           else '{}'::jsonb
         end,
      'changes',
      'trip:' || r.trip_id::text,
      true
    );
  end loop;
  return null;
end;
$$;
comment on function private.broadcast_trip_changes() is 'Statement trigger: one Realtime "changes" message per trip per insert statement (= per push).';
revoke execute on function private.broadcast_trip_changes() from public, anon, authenticated;

create trigger trip_changes_broadcast
  after insert on public.trip_changes
  referencing new table as new_rows
  for each statement
  execute function private.broadcast_trip_changes();

-- Realtime authorization. Realtime evaluates these with realtime.topic() set to the channel name.
create policy "Trip members can receive on their trip channel."
  on realtime.messages for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select private.is_trip_member((select realtime.topic()), 'viewer'))
  );

create policy "Trip editors can broadcast and track presence on their trip channel."
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select private.is_trip_member((select realtime.topic()), 'editor'))
  );
