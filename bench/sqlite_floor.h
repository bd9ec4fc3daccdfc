// The SQLite floors the engine benchmarks are measured against, in the same process run: the rows
// a scenario needs, written with bare prepared statements into the store's own schema (a database
// made by SqliteStore::Open, so the same tables and indexes), with the same pragmas (WAL,
// synchronous=NORMAL) and the same kind of ids. What the engine costs above a floor is its own
// work: scheduling, guards, events' JSON, progress and the store's bookkeeping.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace atelier::bench {

// A chain step's writes, one transaction per step: the step row goes from ready to succeeded
// (an UPDATE by key) and one event row is appended. Microseconds per step over `steps` steps.
double ChainFloorUsPerStep(const std::filesystem::path& dir, int steps);

// A one-step execution's writes: its execution row, its step row and one event row (INSERTs),
// `per_txn` executions per transaction (1, or 100 for the batched floor). Executions per second.
double FanoutFloorPerSecond(const std::filesystem::path& dir, int executions, int per_txn);

// What a restart must read to take over executions: each execution's row and its steps' rows,
// by id, with bare statements on the database at `db` (the engine's). Milliseconds for all.
double RestartFloorMs(const std::filesystem::path& db, const std::vector<std::string>& ids);

}  // namespace atelier::bench
