#include "atelier/engine/clock.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace atelier {

int64_t SystemClock::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomIdGenerator::NewId(const char* prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t ms = static_cast<uint64_t>(SystemClock().NowMs());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%012llx%08llx", prefix,
                static_cast<unsigned long long>(ms & 0xffffffffffffULL),
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

}  // namespace atelier
