// SqliteStore's template catalogue: storing a template (a new version only when its content
// changed, built-in and user templates never replacing each other), fetching by id, version or
// name, listing the latest versions with filters, a template's versions, soft deletion and the
// category counts.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "sqlite_impl.h"

namespace atelier {

using namespace sqlite;

namespace {

// PutTemplate of a name whose latest version is built-in while the new one is not, or the other
// way round: neither replaces the other.
Status BuiltinNameTaken(const TemplateRecord& latest) {
  if (latest.builtin)
    return AlreadyExists("'" + latest.name + "' is a built-in template (" + latest.id +
                         "); clone it under another name to make your own");
  return AlreadyExists("a user template named '" + latest.name + "' (" + latest.id +
                       ") exists; the built-in template of that name is not stored over it");
}

}  // namespace

Result<TemplateRecord> SqliteStore::PutTemplate(const TemplateRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<TemplateRecord> {
    Impl::Txn txn(impl, /*write=*/true);
    std::optional<TemplateRecord> latest;
    {
      StmtUse st(impl.Get(kTemplateLatestByName));
      st->bindNoCopy(1, rec.workspace_id);
      st->bindNoCopy(2, rec.name);
      if (st->executeStep()) latest = ReadTemplate(*st);
    }
    if (latest && latest->content_hash == rec.content_hash) {
      txn.Commit();
      return *latest;
    }
    if (latest && latest->builtin != rec.builtin) return Err(BuiltinNameTaken(*latest));
    TemplateRecord out = rec;
    out.version = latest ? latest->version + 1 : 1;
    out.created_at = NowMs();
    const JsonText definition(out.definition);
    // A fresh id could collide with another template's (64 random bits): draw again.
    for (int tries = 0; tries < 8; ++tries) {
      if (latest) {
        out.id = latest->id;
      } else {
        char hex[17];
        std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(impl.rng()));
        out.id = std::string("tpl_") + hex;
      }
      StmtUse st(impl.Get(kTemplateInsert));
      st->bindNoCopy(1, out.workspace_id);
      st->bindNoCopy(2, out.id);
      st->bind(3, out.version);
      st->bindNoCopy(4, out.name);
      st->bindNoCopy(5, out.category);
      st->bindNoCopy(6, out.description);
      definition.Bind(*st, 7);
      st->bindNoCopy(8, out.content_hash);
      st->bind(9, out.created_at);
      st->bind(10, out.builtin ? 1 : 0);
      if (st->exec() == 1) {
        txn.Commit();
        return out;
      }
      if (latest) break;
    }
    return Err(Internal("sqlite store: could not store template '" + rec.name +
                        "': its id and version are taken"));
  });
}

Result<TemplateRecord> SqliteStore::GetTemplate(const std::string& ws, const std::string& id,
                                                int version) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    StmtUse st(impl_->Get(version == 0 ? kTemplateLatestById : kTemplateVersion));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (version != 0) st->bind(3, version);
    if (!st->executeStep()) {
      if (version == 0) return Err(NotFound("template '" + id + "' not found"));
      return Err(
          NotFound("template '" + id + "' version " + std::to_string(version) + " not found"));
    }
    return ReadTemplate(*st);
  });
}

Result<TemplateRecord> SqliteStore::FindTemplate(const std::string& ws, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    StmtUse st(impl_->Get(kTemplateLatestByName));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, name);
    if (!st->executeStep()) return Err(NotFound("no template named '" + name + "'"));
    return ReadTemplate(*st);
  });
}

Result<std::vector<TemplateRecord>> SqliteStore::ListTemplates(const std::string& ws,
                                                               const TemplateFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    StmtUse st(impl_->Get(kTemplateList));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, f.category);
    st->bindNoCopy(3, f.name_contains);
    st->bindNoCopy(4, f.after_name);
    st->bind(5, f.limit > 0 ? f.limit : -1);
    std::vector<TemplateRecord> out;
    while (st->executeStep()) out.push_back(ReadTemplate(*st));
    return out;
  });
}

Result<std::vector<TemplateRecord>> SqliteStore::ListTemplateVersions(const std::string& ws,
                                                                      const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    StmtUse st(impl_->Get(kTemplateVersions));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    std::vector<TemplateRecord> out;
    while (st->executeStep()) out.push_back(ReadTemplate(*st));
    if (out.empty()) return Err(NotFound("template '" + id + "' not found"));
    return out;
  });
}

Status SqliteStore::DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    StmtUse st(impl_->Get(kTemplateDelete));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    st->bind(3, std::max<int64_t>(now, 1));  // deleted_at = 0 means "not deleted"
    if (st->exec() == 0) return NotFound("template '" + id + "' not found");
    return Status::Ok();
  });
}

Result<std::vector<std::pair<std::string, int>>> SqliteStore::ListCategories(
    const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<std::pair<std::string, int>>> {
    StmtUse st(impl_->Get(kTemplateCategories));
    st->bindNoCopy(1, ws);
    std::vector<std::pair<std::string, int>> out;
    while (st->executeStep()) out.emplace_back(ColumnString(*st, 0), st->getColumn(1).getInt());
    return out;
  });
}

}  // namespace atelier
