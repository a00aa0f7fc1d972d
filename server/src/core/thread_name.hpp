#pragma once
// Names the calling thread as `top`, `perf` and /proc show it (Linux keeps
// the first 15 bytes), so that a profile says which thread does what.

namespace tr {

void name_this_thread(const char* name);

}  // namespace tr
