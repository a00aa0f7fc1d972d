// The writing half of WsConnection (see ws_connection.hpp): the queue the
// hub fills, the direct write of a FlushScope's flush(), and the strand's
// writer (pump, gathered writes, their completions).
#include "http/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/container/static_vector.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <utility>

#include "http/send_batch.hpp"
#include "http/ws_keepalive.hpp"  // steady_ms

namespace tr::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxFramesPerWrite = 64;
constexpr std::size_t kMaxDeferredBytes = 64 * 1024;  // queued while a FlushScope is open
constexpr int kMaxWritesInARow = 16;  // written at once before one waits on the executor
static_assert(kMaxFramesPerWrite * ws::kMaxHeaderBytes <= SendBatch::kScratchBytes &&
                  kMaxFramesPerWrite <= SendBatch::kMaxParts &&
                  kMaxFramesPerWrite * 2 <= SendBatch::kMaxBuffers,
              "a direct write's frames fit in a SendBatch slot");

// Adds one frame to a gathered write: its header, written into
// `header_slot` (kMaxHeaderBytes long), then its payload as is. Returns the
// frame's size on the wire.
template <class Buffers>
std::size_t add_frame(ws::Opcode opcode, const std::string& payload, std::uint8_t* header_slot,
                      Buffers& buffers) {
  const std::size_t header_bytes = ws::write_header(opcode, payload.size(), header_slot);
  buffers.emplace_back(header_slot, header_bytes);
  if (!payload.empty()) buffers.emplace_back(payload.data(), payload.size());
  return header_bytes + payload.size();
}

// Drops the first `n` bytes of `buffers`.
template <class Buffers>
void drop_front(Buffers& buffers, std::size_t n) {
  std::size_t whole = 0;
  while (whole < buffers.size() && n >= buffers[whole].size()) n -= buffers[whole++].size();
  buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
  if (n > 0) buffers.front() += n;
}

}  // namespace

// ---- the hub's side ----------------------------------------------------------

void WsConnection::send(realtime::Frame frame, bool ephemeral) {
  bool may_wait_for_scope = false;
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    const bool pressured = frames_ * 2 >= endpoint_.options.queue_max_frames ||
                           bytes_ * 2 >= endpoint_.options.queue_max_bytes;
    if (ephemeral && pressured) return;  // typing and presence are dropped first
    if (frames_ >= endpoint_.options.queue_max_frames ||
        bytes_ + frame->size() > endpoint_.options.queue_max_bytes) {
      // Too slow: close at once; it catches up by seq on reconnect.
      closing_ = true;
      close_code_ = ws::kClosePolicyViolation;
      close_reason_ = "too slow: reconnect and catch up";
      closing_since_ms_ = steady_ms();
    } else {
      bytes_ += frame->size();
      frames_++;
      queue_.push_back(std::move(frame));
      // A big batch must not pile up in the queue until its scope ends (a
      // fast client would be closed as too slow): past this, the writer
      // takes it now.
      may_wait_for_scope = frames_ < kMaxFramesPerWrite && bytes_ < kMaxDeferredBytes;
    }
  }
  if (const std::uint64_t scope = FlushScope::current(); scope != 0 && may_wait_for_scope) {
    std::uint64_t deferred_in = 0;
    if (deferred_in_.compare_exchange_strong(deferred_in, scope)) {
      try {
        FlushScope::defer(shared_from_this());
        return;
      } catch (...) {
        deferred_in_ = 0;  // not deferred after all: woken below
      }
    } else if (deferred_in == scope) {
      return;  // already deferred in this scope
    }
    // Deferred in another thread's scope: this frame does not wait for it.
  }
  wake();
}

void WsConnection::flush() noexcept {
  deferred_in_ = 0;  // first: a frame queued from now on defers again
  try {
    SendBatch& batch = SendBatch::of_this_thread();
    batch.make_room();
    // The batch holds the locks of the writes it has taken: never wait for
    // another lock while it does (two threads' batches could wait on each other).
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) {
      batch.submit();
      lock.lock();
    }
    if (queue_.empty() && !pong_due_ && !ping_due_ && !closing_) return;
    if (pong_due_ || ping_due_ || closing_) {
      lock.unlock();
      return wake();  // left to the writer on the executor
    }
    if (!writer_idle_.exchange(false)) return;  // busy: the writer takes the queue when done
    fill_direct_write(batch.slot());
    batch.add(socket_.native_handle(), std::move(lock), shared_from_this());
  } catch (const std::exception& e) {
    // Out of memory, most likely, and the writer may be left claimed: the
    // connection is given up; tick() cuts it within kCloseHandshakeMs.
    spdlog::error("websocket connection {}: flush failed: {}", info_.connection_id, e.what());
    SendBatch::of_this_thread().submit();  // holds no lock of ours: see above
    std::lock_guard lock(mu_);
    if (!closing_) {
      closing_ = true;
      closing_since_ms_ = steady_ms();
    }
  }
}

// Under mu_, with the writer claimed: the queue's first frames, as they are
// to go on the wire (less what an earlier write sent of the first).
void WsConnection::fill_direct_write(SendBatch::Slot& slot) {
  const std::size_t take = std::min(queue_.size(), kMaxFramesPerWrite);
  boost::container::static_vector<asio::const_buffer, kMaxFramesPerWrite * 2> buffers;
  for (std::size_t i = 0; i < take; ++i) {
    slot.parts[i] = add_frame(ws::Opcode::kText, *queue_[i],
                              slot.scratch.data() + i * ws::kMaxHeaderBytes, buffers);
  }
  slot.part_count = take;
  drop_front(buffers, head_sent_);  // what an earlier write already sent of the first frame
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    slot.buffers[i] = {const_cast<void*>(buffers[i].data()), buffers[i].size()};
  }
  slot.buffer_count = buffers.size();
}

// Under mu_ still (the batch held it, so finish() has not closed the
// socket): the frames written leave the queue (head_sent_ marks a frame cut
// short). Then the writer idles, or goes on on the executor with the rest.
void WsConnection::wrote(SendBatch::Slot& slot, std::ptrdiff_t result) noexcept {
  if (result > 0) {
    std::size_t left = static_cast<std::size_t>(result) + head_sent_;
    std::size_t whole = 0;
    while (whole < slot.part_count && left >= slot.parts[whole]) {
      left -= slot.parts[whole];
      bytes_ -= queue_[whole]->size();
      frames_--;
      ++whole;
    }
    head_sent_ = left;  // of the frame now first, if any
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(whole));
  }
  // Nothing written: the socket is full, or broken (the executor's write meets the error).
  if (result <= 0 || !queue_.empty()) {
    try {
      slot.then = [self = shared_from_this()] {
        asio::post(self->socket_.get_executor(), [self] { self->pump(); });
      };
    } catch (const std::exception&) {
      // Out of memory: the writer stays claimed, so the connection is given
      // up as in flush(); tick() cuts it within kCloseHandshakeMs.
      if (!closing_) {
        closing_ = true;
        closing_since_ms_ = steady_ms();
      }
    }
    return;
  }
  writer_idle_ = true;
  if (on_drained_ && drained_locked()) slot.then = std::move(on_drained_);
}

// ---- the strand's writer ------------------------------------------------------

// Wakes the writer if it is idle (one post per wake-up, not per frame).
void WsConnection::wake() {
  if (!writer_idle_.exchange(false)) return;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

// On the executor: gathers what is due (the rest of a frame a flush() left
// half written, a pong, a ping, queued frames, then the close frame once the
// queue is empty or given up) and writes it, or goes idle.
void WsConnection::pump() {
  if (finished_ || close_sent_) return;
  bool close_now = false;
  std::uint16_t close_code = 0;
  std::string close_reason;
  {
    std::lock_guard lock(mu_);
    // The rest of a frame that a direct write began comes before anything else.
    if (head_sent_ > 0) {
      writing_.push_back({ws::Opcode::kText, std::move(queue_.front()), true});
      queue_.erase(queue_.begin());
      writing_skip_ = std::exchange(head_sent_, 0);
    }
    if (pong_due_) {
      writing_.push_back({ws::Opcode::kPong, realtime::make_frame(std::move(pong_)), false});
      pong_ = std::string();
      pong_due_ = false;
    }
    if (ping_due_) {
      writing_.push_back({ws::Opcode::kPing, realtime::make_frame(""), false});
      ping_due_ = false;
    }
    // Closing for being too slow, for the client's close or for a protocol
    // error: what is still queued is given up.
    const bool give_up = closing_ && (close_code_ == ws::kClosePolicyViolation ||
                                      close_received_ || failed_);
    if (give_up) {
      for (const auto& frame : queue_) bytes_ -= frame->size();
      frames_ -= queue_.size();
      queue_ = {};
    }
    const std::size_t take = std::min(queue_.size(), kMaxFramesPerWrite);
    for (std::size_t i = 0; i < take; ++i) {
      writing_.push_back({ws::Opcode::kText, std::move(queue_[i]), true});
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    if (queue_.empty() && queue_.capacity() > 64) queue_ = {};  // an idle client keeps no big array
    if (closing_ && queue_.empty()) {
      close_now = true;
      close_code = close_code_;
      close_reason = close_reason_;
    }
  }
  if (close_now) {
    if (close_code == 0) close_code = ws::kCloseNormal;
    writing_.push_back(
        {ws::Opcode::kClose, realtime::make_frame(ws::close_payload(close_code, close_reason)),
         false});
  }
  if (!writing_.empty()) return write_batch();
  writing_ = {};
  headers_ = {};
  writes_in_a_row_ = 0;
  writer_idle_ = true;
  // Work queued between the check above and now must not be missed.
  bool more;
  {
    std::lock_guard lock(mu_);
    more = !queue_.empty() || pong_due_ || ping_due_ || closing_;
  }
  if (more && writer_idle_.exchange(false)) pump();
}

void WsConnection::write_batch() {
  headers_.resize(writing_.size() * ws::kMaxHeaderBytes);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_.size() * 2);
  for (std::size_t i = 0; i < writing_.size(); ++i) {
    add_frame(writing_[i].opcode, *writing_[i].payload,
              headers_.data() + i * ws::kMaxHeaderBytes, buffers);
  }
  drop_front(buffers, std::exchange(writing_skip_, 0));  // sent by a direct write
  // Most writes fit in the socket's send buffer: made now, on this strand,
  // they need no operation to complete later (the operation and its
  // completion were a good part of the cost of each delivery). A run of
  // them yields to the executor now and then, so the recursion through
  // written() and pump() stays shallow.
  if (writes_in_a_row_ < kMaxWritesInARow) {
    ++writes_in_a_row_;
    boost::system::error_code ec;
    while (!buffers.empty()) {
      const std::size_t n = socket_.write_some(buffers, ec);
      if (ec) break;
      drop_front(buffers, n);
    }
    if (buffers.empty()) return written({});
    if (ec != asio::error::would_block && ec != asio::error::try_again) return written(ec);
  }
  writes_in_a_row_ = 0;  // the rest when the socket drains
  asio::async_write(socket_, std::move(buffers),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->written(ec);
                    });
}

// A frame counts against the queue's bounds until it is written.
void WsConnection::written(const boost::system::error_code& ec) {
  if (finished_) {
    // finish() has emptied the queue and its counts: an aborted write counts for nothing.
    writing_.clear();
    return;
  }
  std::function<void()> drained;
  bool close_written = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& out : writing_) {
      if (out.counted) {
        bytes_ -= out.payload->size();
        frames_--;
      }
      close_written = close_written || out.opcode == ws::Opcode::kClose;
    }
    if (!ec && on_drained_ && drained_locked()) drained = std::move(on_drained_);
  }
  writing_.clear();
  if (ec) return finish();
  if (drained) drained();  // the next catch-up page may come
  if (close_written) {
    close_sent_ = true;
    return after_close_sent();
  }
  pump();
}

void WsConnection::after_close_sent() {
  writing_ = {};
  headers_ = {};
  if (close_received_) return finish();  // the handshake is complete
  if (failed_) {
    // The client's bytes can no longer be framed: say no more and read to
    // its end (discarding), so our close frame is not lost to a reset.
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }
  // Otherwise the client answers with its close frame; tick() cuts a
  // handshake that takes longer than kCloseHandshakeMs.
}

}  // namespace tr::http
