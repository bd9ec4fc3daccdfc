// PostgresStore's template catalogue: storing a template (a new version only when its content
// changed, built-in and user templates never replacing each other), fetching by id, version or
// name, listing the latest versions with filters, a template's versions, soft deletion and the
// category counts.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>

#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;

namespace {

// A template row that is the latest version of its (not deleted) template.
constexpr const char* kTemplateIsLatest =
    "deleted_at = 0 AND version = (SELECT MAX(v.version) FROM templates v WHERE v.id = "
    "templates.id)";

Status BuiltinNameTaken(const TemplateRecord& latest) {
  if (latest.builtin)
    return AlreadyExists("'" + latest.name + "' is a built-in template (" + latest.id +
                         "); clone it under another name to make your own");
  return AlreadyExists("a user template named '" + latest.name + "' (" + latest.id +
                       ") exists; the built-in template of that name is not stored over it");
}

std::string LatestByName() {
  return std::string("SELECT ") + kTemplateCols +
         " FROM templates WHERE workspace_id = $1 AND name = $2 AND deleted_at = 0 ORDER BY "
         "version DESC LIMIT 1";
}

}  // namespace

// Two processes storing the same name at once take turns on a transaction-scoped advisory lock
// for (workspace, name), so the second sees the first's version instead of racing it.
Result<TemplateRecord> PostgresStore::PutTemplate(const TemplateRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<TemplateRecord> {
    Impl::Txn txn(impl, /*write=*/true);
    impl.Exec(
        "SELECT pg_advisory_xact_lock(hashtextextended('atelier.template.' || $1 || '/' || "
        "$2, 0))",
        Params().S(rec.workspace_id).S(rec.name));
    std::optional<TemplateRecord> latest;
    {
      pqxx::result r = impl.Exec(LatestByName(), Params().S(rec.workspace_id).S(rec.name));
      if (!r.empty()) latest = ReadTemplate(r[0]);
    }
    if (latest && latest->content_hash == rec.content_hash) {
      txn.Commit();
      return *latest;
    }
    if (latest && latest->builtin != rec.builtin) return Err(BuiltinNameTaken(*latest));
    TemplateRecord out = rec;
    out.version = latest ? latest->version + 1 : 1;
    out.created_at = NowMs();
    // A fresh id could collide with another template's (64 random bits): draw again.
    for (int tries = 0; tries < 8; ++tries) {
      if (latest) {
        out.id = latest->id;
      } else {
        char hex[17];
        std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(impl.rng()));
        out.id = std::string("tpl_") + hex;
      }
      pqxx::result r =
          impl.Exec(std::string("INSERT INTO templates (") + kTemplateCols +
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                    Params()
                        .S(out.workspace_id)
                        .S(out.id)
                        .I(out.version)
                        .S(out.name)
                        .S(out.category)
                        .S(out.description)
                        .J(out.definition)
                        .S(out.content_hash)
                        .I(out.created_at)
                        .I(out.builtin ? 1 : 0));
      if (r.affected_rows() == 1) {
        txn.Commit();
        return out;
      }
      if (latest) break;
    }
    return Err(Internal("postgres store: could not store template '" + rec.name +
                        "': its id and version are taken"));
  });
}

Result<TemplateRecord> PostgresStore::GetTemplate(const std::string& ws, const std::string& id,
                                                  int version) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    pqxx::result r =
        version == 0
            ? impl_->Exec(std::string("SELECT ") + kTemplateCols +
                              " FROM templates WHERE id = $1 AND workspace_id = $2 AND "
                              "deleted_at = 0 ORDER BY version DESC LIMIT 1",
                          Params().S(id).S(ws))
            : impl_->Exec(
                  std::string("SELECT ") + kTemplateCols +
                      " FROM templates WHERE id = $1 AND workspace_id = $2 AND version = $3",
                  Params().S(id).S(ws).I(version));
    if (r.empty()) {
      if (version == 0) return Err(NotFound("template '" + id + "' not found"));
      return Err(
          NotFound("template '" + id + "' version " + std::to_string(version) + " not found"));
    }
    return ReadTemplate(r[0]);
  });
}

Result<TemplateRecord> PostgresStore::FindTemplate(const std::string& ws, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    pqxx::result r = impl_->Exec(LatestByName(), Params().S(ws).S(name));
    if (r.empty()) return Err(NotFound("no template named '" + name + "'"));
    return ReadTemplate(r[0]);
  });
}

// strpos() rather than LIKE, so that '%' and '_' in the searched text match themselves.
Result<std::vector<TemplateRecord>> PostgresStore::ListTemplates(const std::string& ws,
                                                                 const TemplateFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    std::vector<TemplateRecord> out;
    for (const auto& row : impl_->Exec(
             std::string("SELECT ") + kTemplateCols +
                 " FROM templates WHERE workspace_id = $1 AND " + kTemplateIsLatest +
                 " AND ($2 = '' OR category = $2) AND ($3 = '' OR strpos(lower(name), lower($3)) "
                 "> 0) AND ($4 = '' OR name > $4) ORDER BY name, id LIMIT $5",
             Params()
                 .S(ws)
                 .S(f.category)
                 .S(f.name_contains)
                 .S(f.after_name)
                 .I(f.limit > 0 ? f.limit : std::numeric_limits<int64_t>::max()))) {
      out.push_back(ReadTemplate(row));
    }
    return out;
  });
}

Result<std::vector<TemplateRecord>> PostgresStore::ListTemplateVersions(const std::string& ws,
                                                                        const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    std::vector<TemplateRecord> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kTemplateCols +
                         " FROM templates WHERE id = $1 AND workspace_id = $2 AND deleted_at = 0 "
                         "ORDER BY version",
                     Params().S(id).S(ws))) {
      out.push_back(ReadTemplate(row));
    }
    if (out.empty()) return Err(NotFound("template '" + id + "' not found"));
    return out;
  });
}

Status PostgresStore::DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    pqxx::result r = impl_->Exec(
        "UPDATE templates SET deleted_at = $3 WHERE id = $1 AND workspace_id = $2 AND "
        "deleted_at = 0",
        Params().S(id).S(ws).I(std::max<int64_t>(now, 1)));  // deleted_at = 0: not deleted
    if (r.affected_rows() == 0) return NotFound("template '" + id + "' not found");
    return Status::Ok();
  });
}

Result<std::vector<std::pair<std::string, int>>> PostgresStore::ListCategories(
    const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<std::pair<std::string, int>>> {
    std::vector<std::pair<std::string, int>> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT category, COUNT(*) FROM templates WHERE workspace_id = "
                                 "$1 AND category != '' AND ") +
                         kTemplateIsLatest + " GROUP BY category ORDER BY category",
                     Params().S(ws))) {
      out.emplace_back(Str(row[0]), I32(row[1]));
    }
    return out;
  });
}

}  // namespace atelier
