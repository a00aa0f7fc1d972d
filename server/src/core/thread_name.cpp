#include "core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace tr {

void name_this_thread(const char* name) {
  const std::string cut = std::string(name).substr(0, 15);
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace tr
