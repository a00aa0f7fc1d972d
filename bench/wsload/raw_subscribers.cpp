// Subscriber connections on bare sockets and one epoll set (see raw_subscribers.hpp).
#include "raw_subscribers.hpp"

#include "frame.hpp"
#include "helpers.hpp"
#include "monotonic.hpp"
#include "receive_ring.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace wsload {

namespace asio = boost::asio;

namespace {

constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

std::string os_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A client frame: FIN set, masked (RFC 6455 §5.3) with a key that changes per frame.
std::string client_frame(std::uint8_t opcode, std::string_view payload) {
  static std::uint32_t counter = 0x9e3779b9;
  counter = counter * 1664525u + 1013904223u;
  std::string out;
  out.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((payload.size() >> shift) & 0xFF));
    }
  }
  std::array<char, 4> mask;
  std::memcpy(mask.data(), &counter, 4);
  out.append(mask.data(), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(payload[i] ^ mask[i % 4]);
  return out;
}

// One server frame at the front of `bytes`, if it is all there.
struct ServerFrame {
  std::uint8_t opcode = 0;
  bool fin = false;
  std::string_view payload;
  std::size_t size = 0;  // header and payload
};
enum class Parse { complete, incomplete, invalid };

Parse parse_frame(std::string_view bytes, ServerFrame& frame) {
  if (bytes.size() < 2) return Parse::incomplete;
  const auto b0 = static_cast<std::uint8_t>(bytes[0]);
  const auto b1 = static_cast<std::uint8_t>(bytes[1]);
  if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) return Parse::invalid;  // RSV bits, or masked
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7F;
  if (length >= 126) {
    const std::size_t extra = length == 126 ? 2 : 8;
    if (bytes.size() < 2 + extra) return Parse::incomplete;
    length = 0;
    for (std::size_t i = 0; i < extra; ++i) length = (length << 8) | static_cast<std::uint8_t>(bytes[2 + i]);
    header += extra;
  }
  if (length > bytes.size() - header) return Parse::incomplete;
  frame.opcode = b0 & 0x0F;
  frame.fin = (b0 & 0x80) != 0;
  frame.payload = bytes.substr(header, static_cast<std::size_t>(length));
  frame.size = header + static_cast<std::size_t>(length);
  return Parse::complete;
}

int close_code(std::string_view payload) {
  if (payload.size() < 2) return 1005;
  return (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Appends what one blocking recv gives; false on end, error or timeout.
bool recv_more(int fd, std::string& into) {
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    into.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
}

}  // namespace

// The receiving ring and, for a reader that waits, the eventfd it signals.
struct RawSubscribers::Ring {
  bench::ReceiveRing receive;
  int event_fd = -1;
  std::string error;  // why it could not be set up

  explicit Ring(bool poll) : error(receive.error()) {
    if (!error.empty() || poll) return;
    event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd < 0 || io_uring_register_eventfd(&receive.ring(), event_fd) < 0) {
      error = os_error("eventfd");
    }
  }
};

RawSubscribers::RawSubscribers(asio::io_context& io, FrameSink frames, CloseSink closes,
                               bool poll)
    : io_(io), frames_(std::move(frames)), closes_(std::move(closes)),
      ring_(std::make_unique<Ring>(poll)), event_watch_(io), polling_(poll) {}

RawSubscribers::~RawSubscribers() {
  drop_all();
  boost::system::error_code ignored;
  if (event_watch_.is_open()) event_watch_.close(ignored);  // closes the eventfd
  else if (ring_->event_fd >= 0) ::close(ring_->event_fd);
}

RawSubscribers::Opened RawSubscribers::open(const Server& server,
                                            const std::vector<ConnSpec>& specs, int spread,
                                            Millis timeout) {
  Opened opened;
  const std::int64_t started = monotonic_ns();
  conns_.assign(specs.size(), Conn{});
  for (std::size_t k = 0; k < specs.size(); ++k) {
    std::string error = open_one(server, specs[k], spread, timeout, conns_[k]);
    if (error.empty()) continue;
    if (conns_[k].fd >= 0) ::close(conns_[k].fd);
    conns_[k].fd = -1;
    ++opened.failed;
    if (opened.errors.size() < 5) {
      opened.errors.push_back("connection " + std::to_string(specs[k].index) + ": " + error);
    }
  }
  opened.ms = static_cast<double>(monotonic_ns() - started) / 1e6;
  return opened;
}

std::string RawSubscribers::open_one(const Server& server, const ConnSpec& spec, int spread,
                                     Millis timeout, Conn& conn) {
  if (!ring_->error.empty()) return ring_->error;
  conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (conn.fd < 0) return os_error("socket");
  const int fd = conn.fd;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (spread > 0) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl((127u << 24) | static_cast<std::uint32_t>(2 + spec.index % spread));
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) return os_error("bind");
  }
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(server.endpoint.port());
  target.sin_addr.s_addr = htonl(server.endpoint.address().to_v4().to_uint());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    return os_error("connect");
  }

  // The upgrade. The key is fixed: nothing here depends on its answer.
  const std::string request = "GET /ws?token=" + url_encode(spec.token) +
                              " HTTP/1.1\r\nHost: " + server.host +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
  if (!send_all(fd, request)) return os_error("upgrade request");
  std::string bytes;
  std::size_t head_end;
  while ((head_end = bytes.find("\r\n\r\n")) == std::string::npos) {
    if (bytes.size() > 16384 || !recv_more(fd, bytes)) return "upgrade: no complete response";
  }
  if (bytes.compare(0, 12, "HTTP/1.1 101") != 0) {
    return "upgrade refused: " + bytes.substr(0, std::min<std::size_t>(bytes.find("\r\n"), 100));
  }
  bytes.erase(0, head_end + 4);

  // Subscribe, and wait for `subscribed` (other frames before it are skipped).
  const std::string subscribe = boost::json::serialize(
      boost::json::object{{"type", "subscribe"}, {"room_id", spec.room_id}});
  if (!send_all(fd, client_frame(kText, subscribe))) return os_error("subscribe");
  FrameReader reader;
  for (;;) {
    ServerFrame frame;
    const Parse parsed = parse_frame(bytes, frame);
    if (parsed == Parse::invalid) return "a frame the client cannot read";
    if (parsed == Parse::incomplete) {
      if (!recv_more(fd, bytes)) return "no 'subscribed' within the connect timeout";
      continue;
    }
    const std::size_t used = frame.size;
    if (frame.opcode == kClose) {
      return "closed by the server: " + std::to_string(close_code(frame.payload));
    }
    if (frame.opcode == kPing) send_all(fd, client_frame(kPong, frame.payload));
    if (frame.opcode == kText && reader.parse(frame.payload)) {
      const std::string_view type = reader.str("type");
      if (type == "subscribed" && reader.str("room_id") == spec.room_id) {
        bytes.erase(0, used);
        break;
      }
      if (type == "error" && reader.str("ref") == "subscribe") {
        return "subscribe refused: " + std::string(frame.payload.substr(0, 300));
      }
    }
    bytes.erase(0, used);
  }
  conn.pending = std::move(bytes);
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) return os_error("fcntl");
  return "";
}

void RawSubscribers::start() {
  for (std::size_t k = 0; k < conns_.size(); ++k) {
    Conn& c = conns_[k];
    if (c.fd < 0) continue;
    ring_->receive.arm(c.fd, k);
    if (!c.pending.empty()) {
      std::string kept = std::move(c.pending);
      c.pending.clear();
      const std::ptrdiff_t used = take_frames(k, kept);
      if (used >= 0) c.pending = kept.substr(static_cast<std::size_t>(used));
    }
  }
  io_uring_submit(&ring_->receive.ring());
  if (polling_) {
    if (!conns_.empty()) poll();  // (a sender-only process has nothing to read)
    return;
  }
  event_watch_.assign(ring_->event_fd);
  wait();
}

void RawSubscribers::poll() {
  asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired() || dropped_) return;
    drain();
    poll();
  });
}

void RawSubscribers::wait() {
  event_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                          [this](const boost::system::error_code& ec) {
                            if (ec || dropped_) return;
                            drain();
                            if (!dropped_) wait();
                          });
}

void RawSubscribers::drain() {
  std::uint64_t signals;
  while (!polling_ && ::read(ring_->event_fd, &signals, sizeof signals) > 0) {
  }
  io_uring& ring = ring_->receive.ring();
  for (;;) {
    io_uring_submit_and_get_events(&ring);  // the deferred receives run here
    unsigned head;
    unsigned seen = 0;
    unsigned returned = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::size_t k = io_uring_cqe_get_data64(cqe);
      const int res = cqe->res;
      if (cqe->flags & IORING_CQE_F_BUFFER) {
        const auto id = static_cast<std::uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        if (res > 0 && !dropped_ && conns_[k].fd >= 0) {
          received(k, std::string_view(ring_->receive.buffer(id), static_cast<std::size_t>(res)));
        }
        ring_->receive.give_back(id, returned++);
      }
      if (dropped_ || conns_[k].fd < 0 || (cqe->flags & IORING_CQE_F_MORE)) continue;
      // This socket's receive has ended: out of buffers (the bytes wait in
      // the socket) or some other reason it may give again; else the end.
      if (res > 0 || res == -ENOBUFS) {
        ring_->receive.arm(conns_[k].fd, k);
      } else {
        end(k, 1006, res == 0 ? "the server closed the connection"
                              : std::string("recv: ") + std::strerror(-res));
      }
    }
    ring_->receive.advance(returned);
    io_uring_cq_advance(&ring, seen);
    if (seen == 0 || dropped_) return;
  }
}

void RawSubscribers::received(std::size_t k, std::string_view got) {
  Conn& c = conns_[k];
  if (c.pending.empty()) {
    const std::ptrdiff_t used = take_frames(k, got);
    if (used >= 0) conns_[k].pending.assign(got.substr(static_cast<std::size_t>(used)));
    return;
  }
  std::string bytes = std::move(c.pending);
  c.pending.clear();
  bytes.append(got);
  const std::ptrdiff_t used = take_frames(k, bytes);
  if (used >= 0) conns_[k].pending = bytes.substr(static_cast<std::size_t>(used));
}

std::ptrdiff_t RawSubscribers::take_frames(std::size_t k, std::string_view bytes) {
  std::size_t used = 0;
  for (;;) {
    ServerFrame frame;
    const Parse parsed = parse_frame(bytes.substr(used), frame);
    if (parsed == Parse::incomplete) return static_cast<std::ptrdiff_t>(used);
    if (parsed == Parse::invalid || (!frame.fin && frame.opcode == kText)) {
      end(k, 1002, "a frame the client cannot read (masked, reserved bits or fragmented)");
      return -1;
    }
    used += frame.size;
    switch (frame.opcode) {
      case kText:
        frames_(k, frame.payload);
        break;
      case kPing:
        send_control(k, kPong, frame.payload);
        break;
      case kPong:
        break;
      case kClose: {
        const int code = close_code(frame.payload);
        const std::string_view why = frame.payload.size() > 2 ? frame.payload.substr(2) : "";
        end(k, code, "closed by the server: " + std::to_string(code) + " " + std::string(why));
        return -1;
      }
      default:
        end(k, 1002, "unexpected opcode " + std::to_string(frame.opcode));
        return -1;
    }
    if (dropped_ || conns_[k].fd < 0) return -1;
  }
}

void RawSubscribers::send_control(std::size_t k, std::uint8_t opcode, std::string_view payload) {
  // Small and rare: a non-blocking send that does not fit means the
  // connection is hopeless for this benchmark anyway.
  const std::string frame = client_frame(opcode, payload);
  if (::send(conns_[k].fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
      static_cast<ssize_t>(frame.size())) {
    end(k, 1006, os_error("pong"));
  }
}

void RawSubscribers::end(std::size_t k, int code, const std::string& reason) {
  Conn& c = conns_[k];
  if (c.fd < 0) return;
  ::shutdown(c.fd, SHUT_RDWR);  // ends its receive too (its last completion is ignored)
  ::close(c.fd);
  c.fd = -1;
  c.pending.clear();
  if (!dropped_ && closes_) closes_(k, code, reason);
}

void RawSubscribers::drop_all() {
  dropped_ = true;
  for (Conn& c : conns_) {
    if (c.fd < 0) continue;
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    c.fd = -1;
  }
}

std::size_t RawSubscribers::open_count() const {
  std::size_t n = 0;
  for (const Conn& c : conns_) n += c.fd >= 0;
  return n;
}

}  // namespace wsload
