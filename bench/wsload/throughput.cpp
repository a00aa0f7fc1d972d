// The throughput scenario (protocol in scenario.hpp): every sender keeps
// `window` sends in flight (client_id "tINDEX-N"), sending the next one as
// each ack arrives; acks inside [start + warmup, start + warmup + duration)
// are counted with their latency. A refused send (error with ref = its
// client_id) is counted and retried, after 20 ms when rate-limited. The
// result waits for the orchestrator's "finish" too, so that the process is
// still there for its last CPU reading.
#include "frame.hpp"
#include "helpers.hpp"
#include "latency.hpp"
#include "monotonic.hpp"
#include "scenario.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdio>
#include <map>
#include <unordered_map>

namespace wsload {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

class Throughput : public std::enable_shared_from_this<Throughput> {
 public:
  explicit Throughput(const Context& c) : c_(c), senders_(c.job.senders.size()), timer_(c.io) {}

  void start() {
    OpenOptions options{c_.job.concurrency, c_.job.spread, c_.job.connect_timeout};
    opener_ = open_all(
        c_.io, c_.server, c_.job.senders, options,
        [this](std::size_t k, std::string_view text) { frame(k, text); },
        [this](std::size_t k, int code, const std::string& reason) { closed(k, code, reason); },
        [self = shared_from_this()](OpenOutcome outcome) { self->opened(std::move(outcome)); });
  }

 private:
  struct Sender {
    std::shared_ptr<WsConnection> conn;
    std::string prefix;  // {"type":"send","room_id":"…","client_id":"tINDEX-
    std::unordered_map<std::int64_t, std::int64_t> pending;  // N → send time (ns)
    std::int64_t next = 0;
  };

  void opened(OpenOutcome outcome) {
    if (outcome.failed > 0) {
      std::string message = std::to_string(outcome.failed) + " of " +
                            std::to_string(outcome.conns.size()) + " senders failed to open:";
      for (const std::string& e : outcome.errors) message += "\n  " + e;
      fatal(message);
    }
    for (std::size_t k = 0; k < senders_.size(); ++k) {
      const ConnSpec& spec = c_.job.senders[k];
      senders_[k].conn = outcome.conns[k];
      senders_[k].prefix = "{\"type\":\"send\",\"room_id\":" +
                           json::serialize(json::string(spec.room_id)) + ",\"client_id\":\"t" +
                           std::to_string(spec.index) + "-";
    }
    pad_.assign(static_cast<std::size_t>(std::max(0, c_.job.payload_bytes - 40)), 'x');
    emit({{"event", "ready"}, {"opened", senders_.size()}, {"failed", 0}, {"ms", outcome.ms}});
    auto self = shared_from_this();
    c_.control.await_command("start", [self](json::object) {
      self->run();
      self->c_.control.await_command("finish", [self](json::object) {
        self->finish_received_ = true;
        if (self->drained_) self->report();
      });
    });
  }

  void run() {
    window_start_ = monotonic_ns() + c_.job.warmup.count() * 1'000'000;
    window_end_ = window_start_ + c_.job.duration.count() * 1'000'000;
    for (std::size_t k = 0; k < senders_.size(); ++k) {
      for (int w = 0; w < c_.job.window; ++w) send(k, senders_[k].next++);
    }
    timer_.expires_after(c_.job.warmup + c_.job.duration);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->stop();
    });
  }

  void send(std::size_t k, std::int64_t n) {
    Sender& s = senders_[k];
    if (!s.conn->is_open()) return;
    const std::string id = std::to_string(n);
    std::string frame = s.prefix;
    frame += id;
    frame += "\",\"content\":\"tp t";
    frame += std::to_string(c_.job.senders[k].index);
    frame += '-';
    frame += id;
    frame += ' ';
    frame += pad_;
    frame += "\"}";
    if (s.pending.emplace(n, monotonic_ns()).second) ++pending_;
    ++sent_;
    s.conn->send(std::move(frame));
  }

  // The N of "tINDEX-N" if the id belongs to sender k's pending sends, else -1.
  std::int64_t pending_number(std::size_t k, std::string_view id) const {
    const std::size_t dash = id.find('-');
    std::int64_t n = 0;
    std::size_t used = 0;
    if (id.empty() || id[0] != 't' || dash == std::string_view::npos ||
        !leading_number(id.substr(dash + 1), n, used) || !senders_[k].pending.contains(n)) {
      return -1;
    }
    return n;
  }

  void frame(std::size_t k, std::string_view text) {
    const std::int64_t now = monotonic_ns();
    // Every member also gets room_activity for each message: skip those unparsed.
    const std::string_view known = leading_type(text);
    if (!known.empty() && known != "ack" && known != "error") return;
    if (!reader_.parse(text)) return;
    const std::string_view type = reader_.str("type");
    Sender& s = senders_[k];
    if (type == "ack") {
      const std::int64_t n = pending_number(k, reader_.str("client_id"));
      if (n < 0) return;
      const auto it = s.pending.find(n);
      const std::int64_t sent_at = it->second;
      s.pending.erase(it);
      --pending_;
      ++acked_total_;
      if (now >= window_start_ && now < window_end_) {
        ++acked_;
        latencies_.add_ns(now - sent_at);
      }
      if (!stopping_) send(k, s.next++);
    } else if (type == "error") {
      const std::int64_t n = pending_number(k, reader_.str("ref"));
      if (n < 0) return;
      const std::string code(reader_.str("code"));
      ++errors_[code];
      s.pending.erase(n);
      --pending_;
      if (!stopping_) retry(k, n, code == "rate_limited" ? std::chrono::milliseconds(20) : std::chrono::milliseconds(0));
    } else {
      return;
    }
    if (stopping_ && pending_ == 0) drained();
  }

  void retry(std::size_t k, std::int64_t n, std::chrono::milliseconds delay) {
    auto timer = std::make_shared<asio::steady_timer>(c_.io, delay);
    ++pending_;  // holds the drain until the retry has been sent or dropped
    timer->async_wait([self = shared_from_this(), timer, k, n](boost::system::error_code) {
      --self->pending_;
      if (!self->stopping_) self->send(k, n);
      else if (self->pending_ == 0) self->drained();
    });
  }

  void closed(std::size_t k, int code, const std::string& reason) {
    Sender& s = senders_[k];
    pending_ -= static_cast<std::int64_t>(s.pending.size());
    s.pending.clear();
    if (!stopping_) {
      ++errors_["closed_" + std::to_string(code)];
      if (++closes_logged_ <= 3) {
        std::fprintf(stderr, "tr_wsload: warning: sender %d closed: %s\n", c_.job.senders[k].index,
                     reason.c_str());
      }
    }
    if (stopping_ && pending_ == 0) drained();
  }

  // The window is over: no new sends; wait (bounded) for those in flight.
  void stop() {
    stopping_ = true;
    if (pending_ == 0) return drained();
    timer_.expires_after(c_.job.drain);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->drained();
    });
  }

  // Nothing more in flight (or the drain time is over).
  void drained() {
    if (drained_) return;
    drained_ = true;
    timer_.cancel();
    for (Sender& s : senders_) s.conn->drop();
    if (finish_received_) report();
  }

  void report() {
    emit({{"event", "result"}, {"acked", acked_}, {"acked_total", acked_total_}, {"sent", sent_},
          {"seconds", static_cast<double>(c_.job.duration.count()) / 1000.0},
          {"errors", counts_object(errors_)}, {"latency_us", latencies_.histogram()}});
    c_.io.stop();
  }

  Context c_;
  std::shared_ptr<void> opener_;  // routes the connections' frames here
  std::vector<Sender> senders_;
  asio::steady_timer timer_;
  FrameReader reader_;
  LatencyRecorder latencies_;
  std::string pad_;
  std::int64_t window_start_ = 0;
  std::int64_t window_end_ = 0;
  std::int64_t pending_ = 0;  // sends awaiting an answer, and retries awaiting their timer
  std::int64_t sent_ = 0;
  std::int64_t acked_ = 0;
  std::int64_t acked_total_ = 0;
  std::map<std::string, int> errors_;
  int closes_logged_ = 0;
  bool stopping_ = false;
  bool drained_ = false;
  bool finish_received_ = false;
};

}  // namespace

std::shared_ptr<void> run_throughput(const Context& context) {
  auto throughput = std::make_shared<Throughput>(context);
  throughput->start();
  return throughput;
}

}  // namespace wsload
