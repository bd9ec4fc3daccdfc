// The PostgreSQL ChangeFeed (private to src/store/postgres): LISTEN on the schema's two channels
// over a connection of its own, and the names of those channels, which the commit path NOTIFYs.
#pragma once

#include <memory>
#include <string>

#include "atelier/store/store.h"

namespace atelier::postgres {

// The channels of the schema the connection works in (its search_path): a short hash of the
// schema's name, so that databases shared by several schemas (tests, tenants) do not ring each
// other, and the name stays under PostgreSQL's 63-byte limit. SQL expressions.
inline constexpr const char* kEventsChannelSql = "'atl_e_' || left(md5(current_schema()), 16)";
inline constexpr const char* kWorkChannelSql = "'atl_w_' || left(md5(current_schema()), 16)";

// Connects lazily (at the first Wait) and again with backoff (100 ms doubling to 5 s) whenever
// the connection is lost; after a reconnection the next Wait rings every kind.
std::unique_ptr<ChangeFeed> OpenPostgresChangeFeed(const std::string& url);

}  // namespace atelier::postgres
