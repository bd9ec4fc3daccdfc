// A fault-injecting SQLite VFS for tests (issue 12: injected faults). Installed as the process's
// default VFS, it forwards every call to the real one ("unix") and counts reads, writes, syncs and
// lock requests on every file SQLite opens (the database, its WAL and journals). Armed with a
// plan, it fails the N-th operation of one kind with the error a real disk gives: an I/O error,
// a full disk (SQLITE_FULL, as ENOSPC), or a busy lock; a sticky plan keeps failing every later
// operation of that kind until disarmed, as a full disk stays full until space is freed.
//
// Counters and the plan are process-wide, so a test that uses this lives in its own executable.
#pragma once

#include <cstdint>

namespace atelier::testing::faults {

// kLock: taking a file lock (xLock) or a WAL lock (xShmLock).
enum class Op { kRead, kWrite, kSync, kLock };

struct Plan {
  Op op = Op::kWrite;
  int64_t nth = 1;    // the first failing operation of `op` since Arm (1-based)
  int code = 0;       // an SQLite result code: SQLITE_IOERR_WRITE, SQLITE_FULL, SQLITE_BUSY, ...
  bool sticky = true; // also fail every later operation of `op` until Disarm
};

// Registers the VFS as the default (once; later calls do nothing).
void Install();
// Starts counting from zero and fails as `plan` says.
void Arm(const Plan& plan);
// Stops failing; counting goes on.
void Disarm();
// Starts counting from zero without a plan.
void ResetCounts();
// Operations of `op` seen since the last Arm or ResetCounts.
int64_t Count(Op op);
// How many operations the current plan has failed.
int64_t Fired();

}  // namespace atelier::testing::faults
