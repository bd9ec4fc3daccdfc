// The template contract, part of StoreConformance (store_conformance.h includes this file):
// versions by content hash, names and ids, and the catalog's listings, versions, deletions and
// categories.
#pragma once

namespace atelier {

// --- templates ---

TEST_P(StoreConformance, PutTemplateCreatesVersionOneWithNewId) {
  auto put = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_EQ(put->id.rfind("tpl_", 0), 0u) << put->id;
  EXPECT_EQ(put->version, 1);
  EXPECT_EQ(put->name, "blog");
  EXPECT_EQ(put->workspace_id, kWs);

  auto got = store_->GetTemplate(kWs, put->id, 0);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->id, put->id);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->name, "blog");
  EXPECT_EQ(got->category, "writing");
  EXPECT_EQ(got->description, "a test template");
  EXPECT_EQ(got->content_hash, "h1");
  EXPECT_EQ(got->definition, Tpl("blog", "h1").definition);
  EXPECT_EQ(got->created_at, put->created_at);
}

TEST_P(StoreConformance, PutTemplateWithSameHashReturnsExistingVersion) {
  auto first = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(first.has_value());
  auto again = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->version, 1);
}

TEST_P(StoreConformance, PutTemplateWithNewHashAddsVersionUnderSameId) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  TemplateRecord changed = Tpl("blog", "h2");
  changed.definition["nodes"].push_back(Json{{"id", "n2"}});
  auto v2 = store_->PutTemplate(changed);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->id, v1->id);
  EXPECT_EQ(v2->version, 2);

  auto latest = store_->GetTemplate(kWs, v1->id, 0);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->definition, changed.definition);
  auto old = store_->GetTemplate(kWs, v1->id, 1);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->version, 1);
  EXPECT_EQ(old->content_hash, "h1");

  // Going back to an earlier definition is a new version too: only the latest is compared.
  auto v3 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->version, 3);
}

TEST_P(StoreConformance, PutTemplateWithNewNameGetsNewId) {
  auto a = store_->PutTemplate(Tpl("blog", "h1"));
  auto b = store_->PutTemplate(Tpl("tweet", "h1"));
  auto c = store_->PutTemplate(Tpl("blog", "h1", kOtherWs));
  ASSERT_TRUE(a.has_value() && b.has_value() && c.has_value());
  EXPECT_NE(a->id, b->id);
  EXPECT_NE(a->id, c->id);
  EXPECT_EQ(b->version, 1);
  EXPECT_EQ(c->version, 1);
}

// Built-ins get new versions only from newer built-in definitions, and never replace a user's
// template of the same name (nor the other way round).
TEST_P(StoreConformance, PutTemplateKeepsBuiltinAndUserTemplatesApart) {
  TemplateRecord shipped = Tpl("blog", "h1");
  shipped.builtin = true;
  auto v1 = store_->PutTemplate(shipped);
  ASSERT_TRUE(v1.has_value()) << v1.error().ToString();
  EXPECT_TRUE(v1->builtin);
  EXPECT_TRUE(store_->GetTemplate(kWs, v1->id, 0)->builtin);
  EXPECT_TRUE(store_->FindTemplate(kWs, "blog")->builtin);
  // The same content stored as a user template is the built-in itself.
  auto same = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->id, v1->id);
  EXPECT_TRUE(same->builtin);
  // Other content under its name is refused, naming the built-in.
  auto user = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.error().code(), Code::kAlreadyExists);
  EXPECT_NE(user.error().message().find("built-in"), std::string::npos) << user.error().message();
  // A newer shipped definition is version 2 of the built-in.
  shipped.content_hash = "h3";
  auto v2 = store_->PutTemplate(shipped);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->id, v1->id);
  EXPECT_EQ(v2->version, 2);
  EXPECT_TRUE(v2->builtin);
  // A user's template is not taken over by a built-in of its name.
  ASSERT_TRUE(store_->PutTemplate(Tpl("mine", "h1")).has_value());
  TemplateRecord over = Tpl("mine", "h9");
  over.builtin = true;
  auto refused = store_->PutTemplate(over);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kAlreadyExists);
  EXPECT_FALSE(store_->FindTemplate(kWs, "mine")->builtin);
}

TEST_P(StoreConformance, FindTemplateGivesTheLatestVersionOfANameInTheWorkspace) {
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h1")).has_value());
  auto v2 = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_TRUE(v2.has_value());
  auto found = store_->FindTemplate(kWs, "blog");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, v2->id);
  EXPECT_EQ(found->version, 2);
  auto other = store_->FindTemplate(kOtherWs, "blog");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), Code::kNotFound);
  EXPECT_NE(other.error().message().find("'blog'"), std::string::npos);
}

TEST_P(StoreConformance, GetTemplateNotFoundNamesTheId) {
  auto missing = store_->GetTemplate(kWs, "tpl_nope", 0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("tpl_nope"), std::string::npos);

  auto put = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(put.has_value());
  auto no_version = store_->GetTemplate(kWs, put->id, 7);
  ASSERT_FALSE(no_version.has_value());
  EXPECT_EQ(no_version.error().code(), Code::kNotFound);
  EXPECT_NE(no_version.error().message().find(put->id), std::string::npos);

  auto other_ws = store_->GetTemplate(kOtherWs, put->id, 0);
  ASSERT_FALSE(other_ws.has_value());
  EXPECT_EQ(other_ws.error().code(), Code::kNotFound);
}

// --- template catalog ---

TEST_P(StoreConformance, ListTemplatesGivesLatestVersionsFilteredAndPaged) {
  auto blog1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(blog1.has_value());
  TemplateRecord blog2 = Tpl("blog", "h2");
  blog2.category = "marketing";
  ASSERT_TRUE(store_->PutTemplate(blog2).has_value());
  TemplateRecord news = Tpl("news 100%", "h3");
  TemplateRecord thread = Tpl("tweet_thread", "h4");
  thread.category = "social";
  TemplateRecord plain = Tpl("xyz", "h5");
  plain.category = "";
  for (const auto& t : {news, thread, plain, Tpl("blog", "h6", kOtherWs)}) {
    ASSERT_TRUE(store_->PutTemplate(t).has_value());
  }

  auto all = accounts_->ListTemplates(kWs, TemplateFilter{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(Names(*all), (std::vector<std::string>{"blog", "news 100%", "tweet_thread", "xyz"}));
  EXPECT_EQ((*all)[0].id, blog1->id);
  EXPECT_EQ((*all)[0].version, 2);
  EXPECT_EQ((*all)[0].category, "marketing");
  EXPECT_EQ((*all)[0].definition, blog2.definition);

  TemplateFilter f;
  f.category = "writing";  // blog's latest version moved to marketing
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"news 100%"}));
  f = TemplateFilter{};
  f.name_contains = "BLO";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"blog"}));
  f.name_contains = "%";  // wildcards in the searched text match only themselves
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"news 100%"}));
  f.name_contains = "_";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"tweet_thread"}));
  f.name_contains = "t";
  f.category = "social";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"tweet_thread"}));

  f = TemplateFilter{};
  f.limit = 2;
  std::vector<std::string> paged;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = accounts_->ListTemplates(kWs, f);
    ASSERT_TRUE(page.has_value());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (const auto& t : *page) paged.push_back(t.name);
    f.after_name = page->back().name;
  }
  EXPECT_EQ(paged, Names(*all));
  EXPECT_EQ(Names(*accounts_->ListTemplates(kOtherWs, TemplateFilter{})),
            (std::vector<std::string>{"blog"}));
}

TEST_P(StoreConformance, ListTemplateVersionsIsOldestFirstAndScoped) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h2")).has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h3")).has_value());
  auto versions = accounts_->ListTemplateVersions(kWs, v1->id);
  ASSERT_TRUE(versions.has_value()) << versions.error().ToString();
  ASSERT_EQ(versions->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*versions)[i].version, i + 1);
    EXPECT_EQ((*versions)[i].content_hash, "h" + std::to_string(i + 1));
    EXPECT_EQ((*versions)[i].id, v1->id);
  }
  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kOtherWs, v1->id}, {kWs, "tpl_nope"}}) {
    auto r = accounts_->ListTemplateVersions(ws, id);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(id), std::string::npos);
  }
}

TEST_P(StoreConformance, DeletedTemplateLeavesListingsButKeepsExplicitVersions) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h2")).has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("news", "h3")).has_value());
  const std::string id = v1->id;

  Status other = accounts_->DeleteTemplate(kOtherWs, id, 9000);
  EXPECT_EQ(other.code(), Code::kNotFound);
  ASSERT_TRUE(store_->GetTemplate(kWs, id, 0).has_value());

  ASSERT_TRUE(accounts_->DeleteTemplate(kWs, id, 9000).ok());
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, TemplateFilter{})),
            (std::vector<std::string>{"news"}));
  auto latest = store_->GetTemplate(kWs, id, 0);
  ASSERT_FALSE(latest.has_value());
  EXPECT_EQ(latest.error().code(), Code::kNotFound);
  EXPECT_NE(latest.error().message().find(id), std::string::npos);
  EXPECT_EQ(store_->FindTemplate(kWs, "blog").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->ListTemplateVersions(kWs, id).error().code(), Code::kNotFound);
  // Executions refer to explicit versions: those stay readable.
  auto old = store_->GetTemplate(kWs, id, 1);
  ASSERT_TRUE(old.has_value()) << old.error().ToString();
  EXPECT_EQ(old->content_hash, "h1");
  EXPECT_EQ(store_->GetTemplate(kWs, id, 2)->content_hash, "h2");

  Status twice = accounts_->DeleteTemplate(kWs, id, 9500);
  EXPECT_EQ(twice.code(), Code::kNotFound);
  EXPECT_NE(twice.message().find(id), std::string::npos);
  EXPECT_EQ(accounts_->DeleteTemplate(kWs, "tpl_nope", 9500).code(), Code::kNotFound);

  // The name is free again: storing it starts a new template, even with the same content.
  auto reborn = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_TRUE(reborn.has_value()) << reborn.error().ToString();
  EXPECT_NE(reborn->id, id);
  EXPECT_EQ(reborn->version, 1);
  EXPECT_EQ(store_->FindTemplate(kWs, "blog")->id, reborn->id);
  EXPECT_EQ(store_->GetTemplate(kWs, reborn->id, 0)->version, 1);
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, TemplateFilter{})),
            (std::vector<std::string>{"blog", "news"}));
}

TEST_P(StoreConformance, ListCategoriesCountsListedTemplates) {
  TemplateRecord a = Tpl("a", "h1");  // writing
  TemplateRecord b = Tpl("b", "h2");
  b.category = "social";
  TemplateRecord c = Tpl("c", "h3");  // writing, then moved to social
  TemplateRecord c2 = Tpl("c", "h4");
  c2.category = "social";
  TemplateRecord d = Tpl("d", "h5");
  d.category = "";
  TemplateRecord e = Tpl("e", "h6");
  e.category = "gone";
  for (const auto& t : {a, b, c, c2, d, Tpl("x", "h7", kOtherWs)}) {
    ASSERT_TRUE(store_->PutTemplate(t).has_value());
  }
  auto put_e = store_->PutTemplate(e);
  ASSERT_TRUE(put_e.has_value());
  ASSERT_TRUE(accounts_->DeleteTemplate(kWs, put_e->id, 100).ok());

  auto cats = accounts_->ListCategories(kWs);
  ASSERT_TRUE(cats.has_value()) << cats.error().ToString();
  EXPECT_EQ(*cats, (std::vector<std::pair<std::string, int>>{{"social", 2}, {"writing", 1}}));
  EXPECT_EQ(*accounts_->ListCategories(kOtherWs),
            (std::vector<std::pair<std::string, int>>{{"writing", 1}}));
}

}  // namespace atelier
