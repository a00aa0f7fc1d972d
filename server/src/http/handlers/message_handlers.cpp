#include "http/handlers/message_handlers.hpp"

#include <boost/json.hpp>

#include "domain/room_json.hpp"
#include "http/handlers/actor_of.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/query_params.hpp"

namespace tr::http {
namespace {

namespace json = boost::json;

Response messages_response(const std::vector<Message>& items, std::optional<bool> has_more) {
  json::array out;
  for (const auto& m : items) out.push_back(message_json(m));
  json::object body{{"items", std::move(out)}};
  if (has_more) body["has_more"] = *has_more;
  return json_value_response(body);
}

Result<std::string> required_content(Request& req) {
  auto body = parse_json_object(req);
  if (!body) return body.error();
  return required_string(*body, "content", /*non_empty=*/false);
}

}  // namespace

void add_message_routes(Router& router, MessageService& messages) {
  router.add("GET", "/api/rooms/{room_id}/messages",
             with_actor([&messages](Request& req, const Actor& actor) {
               HistoryQuery q;
               q.room_id = req.params["room_id"];
               auto before = optional_int_query(req, "before_seq", 0, INT64_MAX);
               if (!before) return problem_response(before.error());
               auto after = optional_int_query(req, "after_seq", 0, INT64_MAX);
               if (!after) return problem_response(after.error());
               auto limit = int_query(req, "limit", 50, 1, 200);
               if (!limit) return problem_response(limit.error());
               q.before_seq = *before;
               q.after_seq = *after;
               q.limit = static_cast<int>(*limit);
               auto page = messages.history(actor, q);
               if (!page) return problem_response(page.error());
               return messages_response(page->items, page->has_more);
             }));

  router.add("POST", "/api/rooms/{room_id}/messages",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto body = parse_json_object(req);
               if (!body) return problem_response(body.error());
               auto content = required_string(*body, "content", /*non_empty=*/false);
               if (!content) return problem_response(content.error());
               auto client_id = optional_string(*body, "client_id");
               if (!client_id) return problem_response(client_id.error());
               auto reply_to = optional_string(*body, "reply_to");
               if (!reply_to) return problem_response(reply_to.error());
               auto posted = messages.post(
                   actor, NewMessage{req.params["room_id"], std::move(*content),
                                     std::move(*client_id), std::move(*reply_to)});
               if (!posted) return problem_response(posted.error());
               return json_value_response(message_json(posted->message),
                                          posted->duplicate ? 200 : 201);
             }));

  router.add("GET", "/api/rooms/{room_id}/messages/search",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto limit = int_query(req, "limit", 50, 1, 200);
               if (!limit) return problem_response(limit.error());
               auto found = messages.search(actor, req.params["room_id"],
                                            req.query_param("q").value_or(""),
                                            static_cast<int>(*limit));
               if (!found) return problem_response(found.error());
               return messages_response(*found, std::nullopt);
             }));

  router.add("PATCH", "/api/rooms/{room_id}/messages/{message_id}",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto content = required_content(req);
               if (!content) return problem_response(content.error());
               auto edited = messages.edit(actor, req.params["room_id"], req.params["message_id"],
                                           *content);
               if (!edited) return problem_response(edited.error());
               return json_value_response(message_json(*edited));
             }));

  router.add("DELETE", "/api/rooms/{room_id}/messages/{message_id}",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto done = messages.remove(actor, req.params["room_id"], req.params["message_id"]);
               if (!done) return problem_response(done.error());
               return no_content();
             }));

  router.add("POST", "/api/rooms/{room_id}/messages/{message_id}/reactions",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto body = parse_json_object(req);
               if (!body) return problem_response(body.error());
               auto emoji = required_string(*body, "emoji");
               if (!emoji) return problem_response(emoji.error());
               auto m = messages.react(actor, req.params["room_id"], req.params["message_id"],
                                       *emoji, true);
               if (!m) return problem_response(m.error());
               return json_value_response(message_json(*m));
             }));

  router.add("DELETE", "/api/rooms/{room_id}/messages/{message_id}/reactions/{emoji}",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto m = messages.react(actor, req.params["room_id"], req.params["message_id"],
                                       req.params["emoji"], false);
               if (!m) return problem_response(m.error());
               return json_value_response(message_json(*m));
             }));

  router.add("GET", "/api/rooms/{room_id}/events",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto after = int_query(req, "after_seq", 0, 0, INT64_MAX);
               if (!after) return problem_response(after.error());
               auto limit = int_query(req, "limit", 100, 1, 500);
               if (!limit) return problem_response(limit.error());
               auto page = messages.events(actor, req.params["room_id"], *after,
                                           static_cast<int>(*limit));
               if (!page) return problem_response(page.error());
               // The stored frames are JSON already: splice them in as they are.
               std::string body = "{\"items\":[";
               for (std::size_t i = 0; i < page->items.size(); ++i) {
                 if (i) body += ',';
                 body += page->items[i].frame;
               }
               body += "],\"has_more\":";
               body += page->has_more ? "true}" : "false}";
               return json_response(std::move(body));
             }));

  router.add("POST", "/api/rooms/{room_id}/read",
             with_actor([&messages](Request& req, const Actor& actor) {
               auto body = parse_json_object(req);
               if (!body) return problem_response(body.error());
               auto seq = optional_int(*body, "seq");
               if (!seq) return problem_response(seq.error());
               if (!*seq) return problem_response(invalid_field("seq", "seq is required"));
               auto done = messages.mark_read(actor, req.params["room_id"], **seq);
               if (!done) return problem_response(done.error());
               return no_content();
             }));
}

}  // namespace tr::http
