// Opening many connections (see opener.hpp).
#include "opener.hpp"

#include "helpers.hpp"
#include "monotonic.hpp"

namespace wsload {

namespace asio = boost::asio;

namespace {

class Opener : public std::enable_shared_from_this<Opener> {
 public:
  Opener(asio::io_context& io, const Server& server, const std::vector<ConnSpec>& specs,
         const OpenOptions& options, FrameSink frames, CloseSink closes,
         std::function<void(OpenOutcome)> done)
      : io_(io), server_(server), specs_(specs), options_(options), frames_(std::move(frames)),
        closes_(std::move(closes)), done_(std::move(done)), states_(specs.size()) {
    outcome_.conns.resize(specs.size());
  }

  void start() {
    started_ns_ = monotonic_ns();
    if (specs_.empty()) return finish();
    for (int k = 0; k < options_.concurrency && next_ < specs_.size(); ++k) open_next();
  }

 private:
  struct State {
    bool settled = false;  // succeeded or failed
  };

  void open_next() {
    const std::size_t k = next_++;
    const ConnSpec& spec = specs_[k];
    auto conn = std::make_shared<WsConnection>(io_);
    outcome_.conns[k] = conn;
    std::optional<asio::ip::address> source;
    if (options_.spread > 0) {
      source = asio::ip::make_address_v4("127.0.0." + std::to_string(2 + spec.index % options_.spread));
    }
    conn->on_frame([this, k](std::string_view text) { frames_(k, text); });
    conn->on_close([this, k](int code, const std::string& reason) { closed(k, code, reason); });
    auto self = shared_from_this();
    conn->open(server_.endpoint, source, server_.host, "/ws?token=" + url_encode(spec.token),
               options_.timeout, [self, k](const std::string& error) { self->settle(k, error); });
  }

  void closed(std::size_t k, int code, const std::string& reason) {
    if (states_[k].settled) return closes_(k, code, reason);
    settle(k, reason);
  }

  // Records connection k as open (error empty) or failed; opens the next one.
  void settle(std::size_t k, const std::string& error) {
    State& s = states_[k];
    if (s.settled) return;
    s.settled = true;
    if (!error.empty()) {
      ++outcome_.failed;
      if (outcome_.errors.size() < 5) {
        outcome_.errors.push_back("connection " + std::to_string(specs_[k].index) + ": " + error);
      }
      outcome_.conns[k]->drop();
      outcome_.conns[k] = nullptr;
    }
    ++settled_;
    if (next_ < specs_.size()) open_next();
    if (settled_ == specs_.size()) finish();
  }

  void finish() {
    outcome_.ms = static_cast<double>(monotonic_ns() - started_ns_) / 1e6;
    auto done = std::move(done_);
    done(std::move(outcome_));
  }

  asio::io_context& io_;
  const Server& server_;
  const std::vector<ConnSpec>& specs_;
  OpenOptions options_;
  FrameSink frames_;
  CloseSink closes_;
  std::function<void(OpenOutcome)> done_;
  std::vector<State> states_;
  OpenOutcome outcome_;
  std::size_t next_ = 0;
  std::size_t settled_ = 0;
  std::int64_t started_ns_ = 0;
};

}  // namespace

std::shared_ptr<void> open_all(asio::io_context& io, const Server& server,
                               const std::vector<ConnSpec>& specs, const OpenOptions& options,
                               FrameSink frames, CloseSink closes,
                               std::function<void(OpenOutcome)> done) {
  auto opener = std::make_shared<Opener>(io, server, specs, options, std::move(frames),
                                         std::move(closes), std::move(done));
  opener->start();
  return opener;
}

}  // namespace wsload
