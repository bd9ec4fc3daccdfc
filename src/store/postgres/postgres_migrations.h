// The schema of the PostgreSQL store as an ordered list of migrations.
//
// Each migration is applied once, in its own transaction under an advisory lock, and recorded in
// `schema_migrations`; the schema version is the highest version applied. Append new migrations
// at the end, never edit one that has shipped. Plain constant data, safe from any thread.
#pragma once

#include <vector>

namespace atelier::postgres {

struct Migration {
  int version;      // 1, 2, 3, ... in order, no gaps
  const char* sql;  // one or more statements, run inside the migration's transaction
};

// Every migration, oldest first.
const std::vector<Migration>& Migrations();

}  // namespace atelier::postgres
