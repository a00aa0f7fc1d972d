// The fan-out subscribers (see fanout_receivers.hpp).
#include "fanout_receivers.hpp"

#include "helpers.hpp"
#include "monotonic.hpp"

#include <boost/asio/post.hpp>

#include <cstdio>

namespace wsload {

namespace json = boost::json;

namespace {
constexpr std::string_view kPrefix = "bench|";
}  // namespace

FanoutReceivers::FanoutReceivers(const Context& context)
    : c_(context), subs_(context.job.subscribers.size()), drain_timer_(context.io) {
  for (Subscriber& s : subs_) s.counts.assign(static_cast<std::size_t>(c_.job.count), 0);
  latencies_.reserve(subs_.size() * static_cast<std::size_t>(c_.job.count));
}

void FanoutReceivers::open(std::function<void(double)> ready) {
  conns_ = std::make_unique<RawSubscribers>(
      c_.io, [this](std::size_t k, std::string_view text) { delivery(k, text); },
      [this](std::size_t k, int code, const std::string& reason) { closed(k, code, reason); },
      c_.job.poll_readers);
  const RawSubscribers::Opened opened =
      conns_->open(c_.server, c_.job.subscribers, c_.job.spread, c_.job.connect_timeout);
  if (opened.failed > 0) {
    std::string message = std::to_string(opened.failed) + " of " +
                          std::to_string(subs_.size()) + " subscribers failed to open:";
    for (const std::string& e : opened.errors) message += "\n  " + e;
    fatal(message);
  }
  conns_->start();
  boost::asio::post(c_.io, [self = shared_from_this(), ready = std::move(ready), ms = opened.ms] {
    ready(ms);
  });
}

void FanoutReceivers::delivery(std::size_t k, std::string_view text) {
  const std::int64_t now = monotonic_ns();
  // A targeted scan: a full parse took 2 µs a frame, most of the user-space time.
  std::string_view content;
  switch (scan_message_content(text, content)) {
    case Scan::found:
      break;
    case Scan::not_message:
      return;
    case Scan::unknown:
      if (!reader_.parse(text) || reader_.str("type") != "message") return;
      content = reader_.str("message", "content");
      break;
  }
  if (!content.starts_with(kPrefix)) return;
  content.remove_prefix(kPrefix.size());
  std::int64_t i = 0;
  std::int64_t sent_ns = 0;
  std::size_t used = 0;
  if (!leading_number(content, i, used) || used >= content.size() || content[used] != '|' ||
      !leading_number(content.substr(used + 1), sent_ns, used) || i >= c_.job.count) {
    ++unexpected_;
    return;
  }
  std::uint8_t& n = subs_[k].counts[static_cast<std::size_t>(i)];
  if (n < 255) ++n;
  if (n != 1) return;
  latencies_.add_ns(now - sent_ns);
  if (finishing_ && acked_mask_[static_cast<std::size_t>(i)] && --remaining_ == 0) report();
}

void FanoutReceivers::closed(std::size_t k, int code, const std::string& reason) {
  Subscriber& s = subs_[k];
  s.closed = true;
  ++close_codes_[std::to_string(code)];
  if (++closes_logged_ <= 3) {
    std::fprintf(stderr, "tr_wsload: warning: subscriber %d closed: %s\n",
                 c_.job.subscribers[k].index, reason.c_str());
  }
  if (finishing_) {
    remaining_ -= missing_acked(s);
    if (remaining_ <= 0) report();
  }
}

std::int64_t FanoutReceivers::missing_acked(const Subscriber& s) const {
  std::int64_t missing = 0;
  for (std::size_t i = 0; i < s.counts.size(); ++i) missing += acked_mask_[i] && s.counts[i] == 0;
  return missing;
}

void FanoutReceivers::finish(const json::array& acked, std::function<void(json::object)> done) {
  done_ = std::move(done);
  acked_mask_.assign(static_cast<std::size_t>(c_.job.count), 0);
  for (const json::value& v : acked) {
    const std::int64_t i = v.is_number() ? v.to_number<std::int64_t>() : -1;
    if (i >= 0 && i < c_.job.count) acked_mask_[static_cast<std::size_t>(i)] = 1;
  }
  finishing_ = true;
  remaining_ = 0;
  for (const Subscriber& s : subs_) {
    if (!s.closed) remaining_ += missing_acked(s);
  }
  if (remaining_ <= 0) return report();
  drain_timer_.expires_after(c_.job.drain);
  drain_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->report();
  });
}

void FanoutReceivers::report() {
  if (reported_) return;
  reported_ = true;
  drain_timer_.cancel();
  std::int64_t distinct = 0;
  std::int64_t duplicated = 0;
  std::int64_t lost = 0;
  std::int64_t closed = 0;
  for (const Subscriber& s : subs_) {
    for (std::size_t i = 0; i < s.counts.size(); ++i) {
      const int n = s.counts[i];
      if (n > 1) duplicated += n - 1;
      if (n >= 1) ++distinct;
      else if (acked_mask_[i]) ++lost;
    }
    closed += s.closed;
  }
  conns_->drop_all();
  auto done = std::move(done_);
  done({{"event", "result"}, {"subscribers", subs_.size()}, {"distinct", distinct},
        {"duplicated", duplicated}, {"lost", lost}, {"closed", closed},
        {"close_codes", counts_object(close_codes_)}, {"unexpected", unexpected_},
        {"latency_us", latencies_.histogram()}});
}

}  // namespace wsload
