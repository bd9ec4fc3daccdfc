// The web UI over loopback: `atelier serve` answers the UI compiled into the binary at `/` (the
// app's own pages fall back to index.html), hashed assets are cached for good and index.html is
// not, API paths stay JSON, and ServerOptions::ui_dir (--ui-dir) serves a folder instead.
#include <fstream>
#include <map>

#include "server/ui_assets.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

class ServerUiTest : public ServerTest {
 protected:
  // A second server over the same App, serving the UI from `dir`.
  std::unique_ptr<Server> ServerWithUiDir(const std::string& dir) {
    ServerOptions so;
    so.port = 0;
    so.ui_dir = dir;
    so.adopt = false;
    so.log = [](const std::string&) {};
    auto s = std::make_unique<Server>(app_.get(), so);
    EXPECT_TRUE(s->Start().ok());
    return s;
  }
  httplib::Result GetFrom(int port, const std::string& path) {
    httplib::Client c("127.0.0.1", port);
    return c.Get(path.c_str());
  }
};

TEST_F(ServerUiTest, TheBinaryServesTheUiItWasBuiltWith) {
  if (api::EmbeddedUiFiles().empty()) GTEST_SKIP() << "built with -DATELIER_BUILD_UI=OFF";
  Resp index = Get("/", "");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("Cache-Control"), "no-cache");
  EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(index.raw.find("<div id=\"root\">"), std::string::npos) << index.raw;
  // A page of the app (a deep link) is index.html too.
  Resp page = Get("/executions/ex_123", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.raw, index.raw);
  // Every asset is served with its type and cached for good.
  std::map<std::string, std::string> scripts;  // path -> body
  for (const auto& f : api::EmbeddedUiFiles()) {
    std::string path = f.path;
    if (path.rfind("assets/", 0) != 0) continue;
    Resp a = Get("/" + path, "");
    ASSERT_EQ(a.status, 200) << path;
    EXPECT_EQ(a.raw.size(), f.size) << path;
    EXPECT_EQ(a.header("Cache-Control"), "public, max-age=31536000, immutable") << path;
    if (path.size() > 3 && path.substr(path.size() - 3) == ".js") {
      EXPECT_EQ(a.header("Content-Type"), "text/javascript; charset=utf-8");
      scripts[path] = a.raw;
    }
  }
  ASSERT_GE(scripts.size(), 1u);
  // Each script is loaded by index.html or, for a screen loaded when first opened, by a script.
  bool entry = false;
  for (const auto& [path, body] : scripts) {
    bool named = index.raw.find(path) != std::string::npos;
    entry = entry || named;
    std::string file = path.substr(path.find('/') + 1);
    for (const auto& [other, text] : scripts)
      named = named || (other != path && text.find(file) != std::string::npos);
    EXPECT_TRUE(named) << path << " is named neither by index.html nor by another script";
  }
  EXPECT_TRUE(entry) << "index.html names no script";
}

TEST_F(ServerUiTest, MissingFilesAndApiPathsAnswerJson404) {
  for (const char* path : {"/assets/nope-123.js", "/api/v1/nope", "/api/v2", "/favicon.png",
                           "/assets/../../etc/passwd"}) {
    Resp r = Get(path, "");
    EXPECT_EQ(r.status, 404) << path << " " << r.raw;
    EXPECT_EQ(r.code(), "not_found") << path;
  }
  // Only reads: another method on a UI path is no route.
  EXPECT_EQ(Call("POST", "/executions", "", "{}").status, 404);
}

TEST_F(ServerUiTest, UiDirServesAFolderInsteadOfTheBuiltInCopy) {
  TempDir ui;
  std::filesystem::create_directories(ui.path() / "assets");
  std::ofstream(ui.path() / "index.html") << "<!doctype html><p>dev build</p>";
  std::ofstream(ui.path() / "assets" / "app-1a2b.css") << "body{}";
  std::ofstream(ui.path() / "logo.svg") << "<svg/>";
  auto s = ServerWithUiDir(ui.path().string());
  auto index = GetFrom(s->port(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<!doctype html><p>dev build</p>");
  auto deep = GetFrom(s->port(), "/templates");
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->body, index->body);
  auto css = GetFrom(s->port(), "/assets/app-1a2b.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(css->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto svg = GetFrom(s->port(), "/logo.svg");
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_EQ(svg->get_header_value("Cache-Control"), "no-cache");
  // Nothing outside the folder.
  auto escape = GetFrom(s->port(), "/../atelier.db");
  ASSERT_TRUE(escape);
  EXPECT_EQ(escape->status, 404);
  s->Stop();
}

TEST(UiAssets, ContentTypesByExtension) {
  EXPECT_EQ(api::ContentTypeFor("a/b.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(api::ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(api::ContentTypeFor("x.png"), "image/png");
  EXPECT_EQ(api::ContentTypeFor("dir.v2/file"), "application/octet-stream");
}

}  // namespace
}  // namespace atelier::testing
