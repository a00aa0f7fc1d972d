#pragma once
// The fan-out floor: what it takes this machine, with no server around it,
// to deliver one frame to each of many loopback TCP connections. One thread
// writes the frame to every connection the way the server's fan-out does
// (io_uring, 16 non-blocking sendmsg per system call, after being idle
// between rounds); another reads them all the way bench/wsload does
// (multishot receives into provided buffers) and times each frame from the
// round's start. The reader either polls (never sleeps) or blocks between
// frames, as bench/wsload's `--readers poll|block`: the difference is what
// a load generator's own wake-ups add. Compare its p50 with the fan-out row
// of bench/realtime.sh: the server's own share of that row is what lies
// above this floor plus the wake-ups and the fdatasync the other probes
// measure.
#include "probe_stats.hpp"

#include <cstddef>

namespace probes {

constexpr std::size_t kFloorFrameBytes = 320;  // about a chat message's event frame

// `rounds` rounds, `gap_us` apart, of one kFloorFrameBytes frame to each of
// `connections` connections; `poll`: the reader never sleeps. Stops the
// probes (fail) if io_uring or the sockets cannot be set up, or a frame
// goes missing.
Percentiles fanout_floor(int connections, int rounds, int gap_us, bool poll);

}  // namespace probes
