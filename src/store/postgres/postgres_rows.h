// The column lists PostgresStore selects and the functions that turn a row of them into a record:
// the shared ones (atelier/store/record_rows.h) over a pqxx row.
#pragma once

#include <pqxx/pqxx>

#include "atelier/store/accounts.h"
#include "atelier/store/record_rows.h"
#include "atelier/store/store.h"
#include "postgres_impl.h"

namespace atelier::postgres {

using record_rows::kApiKeyCols;
using record_rows::kArtifactCols;
using record_rows::kEventCols;
using record_rows::kExecCols;
using record_rows::kLedgerCols;
using record_rows::kStepCols;
using record_rows::kTemplateCols;

// A result row as the shared readers (record_rows.h) read it.
struct PgRow {
  const pqxx::row& row;
  std::string Text(int i) const { return Str(row[i]); }
  int64_t Int(int i) const { return I64(row[i]); }
  Json JsonAt(int i) const { return ColumnJson(row[i]); }
  bool Flag(int i) const { return !row[i].is_null() && row[i].as<bool>(); }
};

inline ExecutionRecord ReadExecution(const pqxx::row& row) {
  return record_rows::ReadExecution(PgRow{row});
}
inline StepRecord ReadStep(const pqxx::row& row, bool contents = true) {
  return record_rows::ReadStep(PgRow{row}, contents);
}
inline Event ReadEvent(const pqxx::row& row) { return record_rows::ReadEvent(PgRow{row}); }
inline ArtifactRecord ReadArtifact(const pqxx::row& row) {
  return record_rows::ReadArtifact(PgRow{row});
}
inline TemplateRecord ReadTemplate(const pqxx::row& row) {
  return record_rows::ReadTemplate(PgRow{row});
}
inline LedgerEntry ReadLedgerEntry(const pqxx::row& row) {
  return record_rows::ReadLedgerEntry(PgRow{row});
}
inline ApiKeyRecord ReadApiKey(const pqxx::row& row) { return record_rows::ReadApiKey(PgRow{row}); }

}  // namespace atelier::postgres
