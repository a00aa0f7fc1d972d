// The fan-out sender (see fanout_sender.hpp).
#include "fanout_sender.hpp"

#include "frame.hpp"
#include "helpers.hpp"
#include "monotonic.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdio>

namespace wsload {

namespace json = boost::json;

FanoutSender::FanoutSender(const Context& context)
    : c_(context), specs_{*context.job.sender}, timer_(context.io) {}

void FanoutSender::open(std::function<void()> ready) {
  auto self = shared_from_this();
  OpenOptions options{1, 0, c_.job.connect_timeout};
  opener_ = open_all(
      c_.io, c_.server, specs_, options,
      [this](std::size_t, std::string_view text) { frame(text); },
      [this](std::size_t, int code, const std::string& reason) { closed(code, reason); },
      [self, ready = std::move(ready)](OpenOutcome outcome) {
        if (outcome.failed > 0) fatal("the sender failed to open: " + outcome.errors.front());
        self->conn_ = outcome.conns.front();
        ready();
      });
}

void FanoutSender::run(std::function<void(json::object)> done) {
  done_ = std::move(done);
  prefix_ = "{\"type\":\"send\",\"room_id\":" + json::serialize(json::string(specs_[0].room_id)) +
            ",\"client_id\":\"f";
  pad_.assign(static_cast<std::size_t>(c_.job.pad_bytes), 'p');
  acked_flags_.assign(static_cast<std::size_t>(c_.job.count), 0);
  sent_ns_.assign(static_cast<std::size_t>(c_.job.count), 0);
  ack_latencies_.reserve(static_cast<std::size_t>(c_.job.count));
  started_ = Clock::now();
  send_next();
}

void FanoutSender::send_next() {
  if (next_ >= c_.job.count || !conn_->is_open()) return all_sent();
  const auto due = started_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(next_ / c_.job.rate));
  timer_.expires_at(due);  // in the past when late: sends at once, catching up
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (!self->conn_->is_open()) return self->all_sent();
    self->send_one();
    self->send_next();
  });
}

void FanoutSender::send_one() {
  const std::int64_t now = monotonic_ns();
  sent_ns_[static_cast<std::size_t>(next_)] = now;
  const std::string i = std::to_string(next_++);
  std::string text = prefix_;
  text += i;
  text += "\",\"content\":\"bench|";
  text += i;
  text += '|';
  text += std::to_string(now);
  text += '|';
  text += pad_;
  text += "\"}";
  ++outstanding_;
  conn_->send(std::move(text));
}

void FanoutSender::all_sent() {
  all_sent_ = true;
  send_seconds_ = std::chrono::duration<double>(Clock::now() - started_).count();
  if (outstanding_ <= 0 || !conn_->is_open()) return report();
  timer_.expires_after(c_.job.ack_drain);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->report();
  });
}

void FanoutSender::frame(std::string_view text) {
  if (!reader_.parse(text)) return;
  const std::string_view type = reader_.str("type");
  if (type == "ack") {
    const std::string_view id = reader_.str("client_id");
    std::int64_t i = 0;
    std::size_t used = 0;
    if (id.empty() || id[0] != 'f' || !leading_number(id.substr(1), i, used)) return;
    if (i >= c_.job.count || acked_flags_[static_cast<std::size_t>(i)]) return;
    acked_flags_[static_cast<std::size_t>(i)] = 1;
    acked_.push_back(i);
    ack_latencies_.add_ns(monotonic_ns() - sent_ns_[static_cast<std::size_t>(i)]);
    --outstanding_;
  } else if (type == "error") {
    ++errors_[std::string(reader_.str("code"))];
    if (reader_.str("ref").starts_with("f")) --outstanding_;
  } else {
    return;
  }
  if (all_sent_ && outstanding_ <= 0) report();
}

void FanoutSender::closed(int code, const std::string& reason) {
  ++errors_["closed_" + std::to_string(code)];
  std::fprintf(stderr, "tr_wsload: warning: the sender's connection closed: %s\n", reason.c_str());
  if (all_sent_) report();  // else send_next() notices and stops
}

void FanoutSender::report() {
  if (reported_ || !done_) return;
  reported_ = true;
  timer_.cancel();
  conn_->drop();
  json::array acked;
  for (const std::int64_t i : acked_) acked.push_back(i);
  auto done = std::move(done_);
  done({{"event", "sent"}, {"sent", next_}, {"acked", std::move(acked)},
        {"errors", counts_object(errors_)}, {"send_seconds", send_seconds_},
        {"ack_latency_us", ack_latencies_.histogram()}});
}

}  // namespace wsload
