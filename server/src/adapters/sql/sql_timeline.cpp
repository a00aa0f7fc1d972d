#include "adapters/sql/sql_timeline.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace tr::sql {

namespace {

struct ClaimSlots {
  long long n = 0, at = 0;
  std::string room_id;
  SeqClaim claim;
};

struct MessageSlots {
  std::string message_id, room_id, sender_id, type, content, metadata, reply_to, client_id;
  long long seq = 0, created_at = 0, edited_at = 0;
  int deleted = 0;
  soci::indicator sender_ind = soci::i_null, reply_ind = soci::i_null,
                  edited_ind = soci::i_null, client_ind = soci::i_null;
};

struct EventSlots {
  std::string room_id, type, frame, actor_id;
  long long seq = 0, created_at = 0;
  soci::indicator actor_ind = soci::i_null;
};

}  // namespace

std::optional<SeqClaim> claim_seqs(const Lease& lease, const std::string& room_id, long long n,
                                   EpochMs at) {
  auto q = lease.statements().get<ClaimSlots>(
      "UPDATE rooms SET last_seq = last_seq + :n, last_activity_at = :at WHERE room_id = :id "
      "RETURNING last_seq, status, version",
      [](soci::statement& st, ClaimSlots& v) {
        st.exchange(soci::use(v.n));
        st.exchange(soci::use(v.at));
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::into(v.claim.last_seq));
        st.exchange(soci::into(v.claim.status));
        st.exchange(soci::into(v.claim.version));
      });
  q->n = n;
  q->at = at;
  q->room_id = room_id;
  if (!q.execute(true)) return std::nullopt;
  return q->claim;
}

void insert_message(const Lease& lease, const Message& m) {
  auto q = lease.statements().get<MessageSlots>(
      "INSERT INTO messages (message_id, room_id, seq, sender_id, type, content, metadata, "
      "reply_to, created_at, edited_at, deleted, client_id) VALUES (:id, :room, :seq, :sender, "
      ":type, :content, :metadata, :reply, :created, :edited, :deleted, :client)",
      [](soci::statement& st, MessageSlots& v) {
        st.exchange(soci::use(v.message_id));
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::use(v.seq));
        st.exchange(soci::use(v.sender_id, v.sender_ind));
        st.exchange(soci::use(v.type));
        st.exchange(soci::use(v.content));
        st.exchange(soci::use(v.metadata));
        st.exchange(soci::use(v.reply_to, v.reply_ind));
        st.exchange(soci::use(v.created_at));
        st.exchange(soci::use(v.edited_at, v.edited_ind));
        st.exchange(soci::use(v.deleted));
        st.exchange(soci::use(v.client_id, v.client_ind));
      });
  q->message_id = m.message_id;
  q->room_id = m.room_id;
  q->seq = m.seq;
  q->sender_id = m.sender_id;
  q->sender_ind = m.sender_id.empty() ? soci::i_null : soci::i_ok;
  q->type = std::string(to_string(m.type));
  q->content = m.content;
  q->metadata = boost::json::serialize(m.metadata);
  q->reply_to = m.reply_to.value_or("");
  q->reply_ind = m.reply_to ? soci::i_ok : soci::i_null;
  q->created_at = m.created_at;
  q->edited_at = m.edited_at.value_or(0);
  q->edited_ind = m.edited_at ? soci::i_ok : soci::i_null;
  q->deleted = m.deleted ? 1 : 0;
  q->client_id = m.client_id.value_or("");
  q->client_ind = m.client_id ? soci::i_ok : soci::i_null;
  q.execute(true);
}

void insert_event(const Lease& lease, const RoomEvent& event, const std::string& actor_id) {
  auto q = lease.statements().get<EventSlots>(
      "INSERT INTO room_events (room_id, seq, event_type, frame, actor_id, created_at) "
      "VALUES (:room, :seq, :type, :frame, :actor, :at)",
      [](soci::statement& st, EventSlots& v) {
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::use(v.seq));
        st.exchange(soci::use(v.type));
        st.exchange(soci::use(v.frame));
        st.exchange(soci::use(v.actor_id, v.actor_ind));
        st.exchange(soci::use(v.created_at));
      });
  q->room_id = event.room_id;
  q->seq = event.seq;
  q->type = event.type;
  q->frame = event.frame;
  q->actor_id = actor_id;
  q->actor_ind = actor_id.empty() ? soci::i_null : soci::i_ok;
  q->created_at = event.created_at;
  q.execute(true);
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
