#include "adapters/sql/sql_timeline.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace tr::sql {

std::optional<SeqClaim> claim_seqs(soci::session& s, const std::string& room_id, long long n,
                                   EpochMs at) {
  SeqClaim c;
  const long long at_ms = at;
  s << "UPDATE rooms SET last_seq = last_seq + :n, last_activity_at = :at WHERE room_id = :id "
       "RETURNING last_seq, status, version",
      soci::use(n), soci::use(at_ms), soci::use(room_id), soci::into(c.last_seq),
      soci::into(c.status), soci::into(c.version);
  if (!s.got_data()) return std::nullopt;
  return c;
}

void insert_message(soci::session& s, const Message& m) {
  const std::string type(to_string(m.type));
  const std::string metadata = boost::json::serialize(m.metadata);
  const long long seq = m.seq;
  const long long created = m.created_at;
  const long long edited = m.edited_at.value_or(0);
  const int deleted = m.deleted ? 1 : 0;
  soci::indicator sender_ind = m.sender_id.empty() ? soci::i_null : soci::i_ok;
  soci::indicator reply_ind = m.reply_to ? soci::i_ok : soci::i_null;
  soci::indicator edited_ind = m.edited_at ? soci::i_ok : soci::i_null;
  soci::indicator client_ind = m.client_id ? soci::i_ok : soci::i_null;
  const std::string reply = m.reply_to.value_or("");
  const std::string client = m.client_id.value_or("");
  s << "INSERT INTO messages (message_id, room_id, seq, sender_id, type, content, metadata, "
       "reply_to, created_at, edited_at, deleted, client_id) VALUES (:id, :room, :seq, :sender, "
       ":type, :content, :metadata, :reply, :created, :edited, :deleted, :client)",
      soci::use(m.message_id), soci::use(m.room_id), soci::use(seq),
      soci::use(m.sender_id, sender_ind), soci::use(type), soci::use(m.content),
      soci::use(metadata), soci::use(reply, reply_ind), soci::use(created),
      soci::use(edited, edited_ind), soci::use(deleted), soci::use(client, client_ind);
}

void insert_event(soci::session& s, const RoomEvent& event, const std::string& actor_id) {
  const long long seq = event.seq;
  const long long created = event.created_at;
  soci::indicator actor_ind = actor_id.empty() ? soci::i_null : soci::i_ok;
  s << "INSERT INTO room_events (room_id, seq, event_type, frame, actor_id, created_at) "
       "VALUES (:room, :seq, :type, :frame, :actor, :at)",
      soci::use(event.room_id), soci::use(seq), soci::use(event.type), soci::use(event.frame),
      soci::use(actor_id, actor_ind), soci::use(created);
}

std::vector<Message> read_messages(soci::session& s, const MessageQuery& q) {
  std::vector<Message> out;
  {
    Message m;
    std::string type, metadata, reply, client, sender_id, sender_name;
    long long seq = 0, created = 0, edited = 0;
    int deleted = 0;
    soci::indicator sender_ind, name_ind, reply_ind, edited_ind, client_ind;
    soci::statement st(s);
    st.exchange(soci::into(m.message_id));
    st.exchange(soci::into(m.room_id));
    st.exchange(soci::into(seq));
    st.exchange(soci::into(sender_id, sender_ind));
    st.exchange(soci::into(sender_name, name_ind));
    st.exchange(soci::into(type));
    st.exchange(soci::into(m.content));
    st.exchange(soci::into(metadata));
    st.exchange(soci::into(reply, reply_ind));
    st.exchange(soci::into(created));
    st.exchange(soci::into(edited, edited_ind));
    st.exchange(soci::into(deleted));
    st.exchange(soci::into(client, client_ind));
    for (const auto& v : q.strings) st.exchange(soci::use(v));
    for (const auto& v : q.numbers) st.exchange(soci::use(v));
    const int limit = q.limit;
    st.exchange(soci::use(limit));
    st.alloc();
    st.prepare(
        "SELECT m.message_id, m.room_id, m.seq, m.sender_id, u.display_name, m.type, m.content, "
        "m.metadata, m.reply_to, m.created_at, m.edited_at, m.deleted, m.client_id FROM messages m "
        "LEFT JOIN users u ON u.user_id = m.sender_id WHERE " +
        q.where + " ORDER BY " + q.order + " LIMIT :limit");
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
      Message row = m;
      row.seq = seq;
      row.sender_id = sender_ind == soci::i_ok ? sender_id : "";
      row.sender_name = name_ind == soci::i_ok ? sender_name : "";
      row.type = parse_message_type(type).value_or(MessageType::kText);
      boost::system::error_code ec;
      auto meta = boost::json::parse(metadata, ec);
      if (!ec && meta.is_object()) row.metadata = meta.as_object();
      if (reply_ind == soci::i_ok) row.reply_to = reply;
      row.created_at = created;
      if (edited_ind == soci::i_ok) row.edited_at = edited;
      row.deleted = deleted != 0;
      if (client_ind == soci::i_ok) row.client_id = client;
      if (row.deleted) row.content.clear();
      out.push_back(std::move(row));
    }
  }
  if (out.empty()) return out;
  // Reactions of these messages, oldest first, grouped by emoji in order of
  // first use.
  std::map<std::string, std::size_t> index;
  std::string in_list;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < out.size(); ++i) {
    index[out[i].message_id] = i;
    ids.push_back(out[i].message_id);
    in_list += (i ? ", :p" : ":p") + std::to_string(i);
  }
  std::string message_id, emoji, user_id;
  soci::statement st(s);
  st.exchange(soci::into(message_id));
  st.exchange(soci::into(emoji));
  st.exchange(soci::into(user_id));
  for (const auto& id : ids) st.exchange(soci::use(id));
  st.alloc();
  st.prepare("SELECT message_id, emoji, user_id FROM message_reactions WHERE message_id IN (" +
             in_list + ") ORDER BY created_at, emoji, user_id");
  st.define_and_bind();
  st.execute();
  while (st.fetch()) {
    auto& msg = out[index[message_id]];
    auto it = std::find_if(msg.reactions.begin(), msg.reactions.end(),
                           [&](const Reaction& r) { return r.emoji == emoji; });
    if (it == msg.reactions.end()) {
      msg.reactions.push_back(Reaction{emoji, {user_id}});
    } else {
      it->user_ids.push_back(user_id);
    }
  }
  return out;
}

}  // namespace tr::sql
