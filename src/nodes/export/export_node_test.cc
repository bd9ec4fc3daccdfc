#include "atelier/nodes/export/export_node.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "atelier/blob/local_blob_store.h"
#include "docx_writer.h"
#include "html_writer.h"
#include "markdown.h"
#include "atelier/providers/offline/offline_provider.h"

namespace atelier {
namespace {

namespace fs = std::filesystem;

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

// Every entry of a zip archive held in memory, by name; empty when it is not a zip.
std::map<std::string, std::string> ReadZip(const std::string& bytes) {
  std::map<std::string, std::string> out;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error) : nullptr;
  zip_error_fini(&error);
  if (!za) {
    if (src) zip_source_free(src);
    return out;
  }
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) < 0) continue;
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) continue;
    std::string content(static_cast<size_t>(st.size), '\0');
    zip_int64_t got = zip_fread(f, content.data(), st.size);
    zip_fclose(f);
    if (got == static_cast<zip_int64_t>(st.size)) out[st.name] = std::move(content);
  }
  zip_close(za);
  return out;
}

// Checks that every non-void element of `html` is closed in order; returns "" or the problem.
std::string CheckTagsBalanced(const std::string& html) {
  static const std::vector<std::string> kVoid = {"meta", "img", "br", "hr", "link", "input"};
  std::vector<std::string> stack;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    size_t end = html.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty() || tag[0] == '!') continue;
    bool closing = tag[0] == '/';
    if (closing) tag = tag.substr(1);
    std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end()) continue;
    if (!closing) {
      stack.push_back(name);
    } else {
      if (stack.empty() || stack.back() != name) return "unexpected </" + name + ">";
      stack.pop_back();
    }
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

class ExportNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atelier_export_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto store = LocalBlobStore::Open(dir_.string());
    ASSERT_TRUE(store) << store.error().ToString();
    blobs_ = std::move(*store);
    png_ = MakePng("a lighthouse at dusk");
    Json hero = ImageObject(png_, "art_hero", "hero.png");
    Json detail = ImageObject(MakePng("a rocky shore"), "art_detail", "detail.png");
    scope_ = {{"inputs", {{"topic", "Lighthouses"}}},
              {"steps",
               {{"hero", {{"image", hero}, {"images", Json::array({hero, detail})}}},
                {"article", {{"text", "# Lighthouses\n\nThey **guide** ships."}}}}}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string MakePng(const std::string& prompt) {
    OfflineProvider provider;
    ImageRequest req;
    req.model = "image";
    req.prompt = prompt;
    req.width = 64;
    req.height = 64;
    auto resp = provider.GenerateImage(req, cancel_);
    EXPECT_TRUE(resp) << resp.error().ToString();
    return resp ? resp->images.at(0).bytes : std::string();
  }

  Json ImageObject(const std::string& bytes, const std::string& id, const std::string& name) {
    auto sha = blobs_->Put(bytes);
    EXPECT_TRUE(sha) << sha.error().ToString();
    return {{"artifact_id", id},   {"sha256", sha ? *sha : ""},
            {"mime", "image/png"}, {"name", name},
            {"width", 64},         {"height", 64}};
  }

  Result<NodeResult> Run(NodeExecutor& node, Json data, const std::string& step_id) {
    data_ = std::move(data);
    NodeContext ctx;
    ctx.execution_id = "ex_1";
    ctx.step_id = step_id;
    ctx.data = &data_;
    ctx.scope = &scope_;
    ctx.cancel = &cancel_;
    ctx.blobs = blobs_.get();
    return node.Execute(ctx);
  }

  std::string Bytes(const ArtifactDraft& a) {
    auto b = blobs_->Get(a.sha256);
    EXPECT_TRUE(b) << b.error().ToString();
    if (b) {
      EXPECT_EQ(static_cast<int64_t>(b->size()), a.size);
    }
    return b ? *b : std::string();
  }

  fs::path dir_;
  std::unique_ptr<LocalBlobStore> blobs_;
  std::string png_;
  Json data_;
  Json scope_;
  CancelToken cancel_;
  AttachNode attach_;
  ExportNode export_;
};

TEST_F(ExportNodeTest, RegistersBothTypesAsNotInline) {
  NodeRegistry registry;
  RegisterExportNodes(&registry);
  ASSERT_NE(registry.Find("attach"), nullptr);
  ASSERT_NE(registry.Find("export"), nullptr);
  EXPECT_FALSE(registry.Find("attach")->inline_ok());
  EXPECT_FALSE(registry.Find("export")->inline_ok());
}

TEST_F(ExportNodeTest, AttachSelectsThePrimaryImageAndWritesAJsonDocument) {
  auto r = Run(attach_,
               {{"document", "{{steps.article.text}}"},
                {"images", "{{steps.hero.images}}"},
                {"primary", 1},
                {"title", "About {{inputs.topic}}"}},
               "attach");
  ASSERT_TRUE(r) << r.error().ToString();
  const Json& images = scope_["steps"]["hero"]["images"];
  EXPECT_EQ(r->output["primary"], images[1]);
  EXPECT_EQ(r->output["images"], images);
  const Json& doc = r->output["document"];
  EXPECT_EQ(doc["title"], "About Lighthouses");
  EXPECT_EQ(doc["text"], "# Lighthouses\n\nThey **guide** ships.");
  EXPECT_EQ(doc["images"], images);
  EXPECT_EQ(doc["primary"], images[1]);

  ASSERT_EQ(r->artifacts.size(), 1u);
  const ArtifactDraft& a = r->artifacts[0];
  EXPECT_EQ(a.kind, "document");
  EXPECT_EQ(a.mime, "application/json");
  EXPECT_EQ(a.name, "attach.json");
  EXPECT_FALSE(a.id.empty());
  EXPECT_EQ(Json::parse(Bytes(a)), doc);
}

TEST_F(ExportNodeTest, AttachAcceptsADocumentObjectAndOneImage) {
  auto r = Run(attach_, {{"document", "{{steps.article}}"}, {"images", "{{steps.hero.image}}"}},
               "attach");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["images"], Json::array({scope_["steps"]["hero"]["image"]}));
  EXPECT_EQ(r->output["primary"], scope_["steps"]["hero"]["image"]);
  EXPECT_EQ(r->output["document"]["text"], scope_["steps"]["article"]["text"]);
  EXPECT_EQ(r->output["document"]["title"], "");
}

TEST_F(ExportNodeTest, AttachRejectsAPrimaryIndexOutOfRange) {
  auto r = Run(attach_, {{"document", "text"}, {"images", "{{steps.hero.images}}"}, {"primary", 2}},
               "attach");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("primary"), std::string::npos) << r.error().message();
}

TEST_F(ExportNodeTest, AttachFailsWhenAnImageBlobIsMissing) {
  const std::string missing(64, 'a');
  Json images = scope_["steps"]["hero"]["images"];
  images.push_back({{"artifact_id", "art_gone"},
                    {"sha256", missing},
                    {"mime", "image/png"},
                    {"name", "gone.png"},
                    {"width", 64},
                    {"height", 64}});
  auto r = Run(attach_, {{"document", "text"}, {"images", images}}, "attach");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.error().message().find(missing), std::string::npos) << r.error().message();
}

TEST_F(ExportNodeTest, AttachRejectsAnImageWithoutSha) {
  auto r = Run(attach_, {{"document", "text"}, {"images", Json::array({{{"name", "x.png"}}})}},
               "attach");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST_F(ExportNodeTest, ExportWritesMarkdownHtmlAndDocx) {
  Json data = {
      {"title", "Guide to {{inputs.topic}}"},
      {"sections",
       Json::array({{{"heading", "History"},
                     {"body",
                      "The first lighthouse stood at *Pharos*.\n\nTags like <b>& must stay "
                      "text.\n\n- one\n- two\n\n1. first\n2. second\n\n> a quote\n\nSee "
                      "[the site](https://example.com/?a=1&b=2) and `code`."},
                     {"images", "{{steps.hero.image}}"}},
                    {{"heading", "Today"}, {"body", "Most are **automated** now."}}})},
      {"filename", "guide"}};
  auto r = Run(export_, data, "export");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->artifacts.size(), 3u);
  const Json& out = r->output;
  ASSERT_EQ(out["files"].size(), 3u);
  std::map<std::string, const ArtifactDraft*> by_format;
  for (size_t i = 0; i < 3; ++i) {
    const Json& f = out["files"][i];
    const ArtifactDraft& a = r->artifacts[i];
    EXPECT_EQ(f["artifact_id"], a.id);
    EXPECT_EQ(f["name"], a.name);
    EXPECT_EQ(f["mime"], a.mime);
    EXPECT_EQ(f["size"], a.size);
    EXPECT_EQ(a.kind, "document");
    EXPECT_EQ(out[f["format"].get<std::string>()], a.id);
    by_format[f["format"]] = &a;
  }
  ASSERT_EQ(by_format.size(), 3u);
  EXPECT_EQ(by_format["markdown"]->name, "guide.md");
  EXPECT_EQ(by_format["markdown"]->mime, "text/markdown");
  EXPECT_EQ(by_format["html"]->name, "guide.html");
  EXPECT_EQ(by_format["html"]->mime, "text/html; charset=utf-8");
  EXPECT_EQ(by_format["docx"]->name, "guide.docx");
  EXPECT_EQ(by_format["docx"]->mime,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

  // Markdown.
  const std::string md = Bytes(*by_format["markdown"]);
  EXPECT_EQ(md.rfind("# Guide to Lighthouses\n", 0), 0u) << md;
  EXPECT_NE(md.find("## History\n"), std::string::npos);
  EXPECT_NE(md.find("## Today\n"), std::string::npos);
  EXPECT_NE(md.find("![hero.png](hero.png)"), std::string::npos);
  EXPECT_LT(md.find("## History"), md.find("## Today"));

  // HTML.
  const std::string html = Bytes(*by_format["html"]);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Guide to Lighthouses</title>"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Guide to Lighthouses</h1>"), std::string::npos);
  EXPECT_NE(html.find("<h2>History</h2>"), std::string::npos);
  EXPECT_NE(html.find("Tags like &lt;b&gt;&amp; must stay text."), std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_NE(html.find("<em>Pharos</em>"), std::string::npos);
  EXPECT_NE(html.find("<strong>automated</strong>"), std::string::npos);
  EXPECT_NE(html.find("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"), std::string::npos);
  EXPECT_NE(html.find("<ol>\n<li>first</li>\n<li>second</li>\n</ol>"), std::string::npos);
  EXPECT_NE(html.find("<blockquote><p>a quote</p></blockquote>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://example.com/?a=1&amp;b=2\">the site</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>code</code>"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64," + Base64(png_) + "\""), std::string::npos);
  EXPECT_EQ(CheckTagsBalanced(html), "");
  EXPECT_NE(html.find("</html>"), std::string::npos);

  // DOCX.
  const std::string docx = Bytes(*by_format["docx"]);
  auto parts = ReadZip(docx);
  ASSERT_FALSE(parts.empty()) << "not a zip";
  for (const char* name : {"[Content_Types].xml", "_rels/.rels", "word/document.xml",
                           "word/_rels/document.xml.rels", "word/styles.xml", "docProps/core.xml"})
    EXPECT_EQ(parts.count(name), 1u) << name;
  const std::string& document = parts["word/document.xml"];
  EXPECT_NE(document.find("<w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t xml:space=\"preserve\">"
                          "Guide to Lighthouses</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find("<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t "
                          "xml:space=\"preserve\">History</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find(">Today</w:t>"), std::string::npos);
  EXPECT_NE(document.find("Tags like &lt;b&gt;&amp; must stay text."), std::string::npos);
  EXPECT_NE(document.find("<w:b/><w:bCs/></w:rPr><w:t xml:space=\"preserve\">automated</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find("<w:i/><w:iCs/></w:rPr><w:t xml:space=\"preserve\">Pharos</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find("<wp:inline"), std::string::npos);
  EXPECT_NE(document.find("<pic:pic>"), std::string::npos);
  EXPECT_NE(document.find("r:embed=\"rIdImg1\""), std::string::npos);
  // 64 px at 9525 EMU per pixel.
  EXPECT_NE(document.find("<wp:extent cx=\"609600\" cy=\"609600\"/>"), std::string::npos);
  EXPECT_EQ(parts["word/media/image1.png"], png_);
  const std::string& rels = parts["word/_rels/document.xml.rels"];
  EXPECT_NE(rels.find("Id=\"rIdImg1\""), std::string::npos);
  EXPECT_NE(rels.find("Target=\"media/image1.png\""), std::string::npos);
  EXPECT_NE(rels.find("Target=\"https://example.com/?a=1&amp;b=2\" TargetMode=\"External\""),
            std::string::npos);
  EXPECT_NE(parts["[Content_Types].xml"].find("Extension=\"png\" ContentType=\"image/png\""),
            std::string::npos);
  const std::string& styles = parts["word/styles.xml"];
  for (const char* style : {"Title", "Heading1", "Heading2"})
    EXPECT_NE(styles.find(std::string("w:styleId=\"") + style + "\""), std::string::npos) << style;
  EXPECT_NE(parts["docProps/core.xml"].find("<dc:title>Guide to Lighthouses</dc:title>"),
            std::string::npos);
  // Same input, same bytes: a re-run stores the same blob.
  auto again = Run(export_, data, "export");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->artifacts[2].sha256, by_format["docx"]->sha256);

  // Samples for a human (or LibreOffice) to open.
  if (const char* sample_dir = std::getenv("ATELIER_EXPORT_SAMPLE_DIR")) {
    for (auto [format, ext] :
         {std::pair{"docx", ".docx"}, {"html", ".html"}, {"markdown", ".md"}}) {
      std::ofstream f(std::string(sample_dir) + "/export_sample" + ext, std::ios::binary);
      f << Bytes(*by_format[format]);
    }
  }
}

// A proposal body with the Markdown that used to come out flat: nested and mixed lists, two
// ordered lists that each count from 1, and a table.
constexpr const char* kProposal =
    "We propose three phases:\n\n"
    "1. Discovery workshop\n"
    "2. Design\n"
    "   - Brand palette\n"
    "   - Page layouts\n"
    "     1. Home page\n"
    "     2. Article page\n"
    "3. Delivery\n\n"
    "Options:\n\n"
    "1) Alpha plan\n"
    "2) Beta plan\n\n"
    "| Item | Days | Price |\n"
    "| :--- | :-: | ---: |\n"
    "| **Design** | 4 | $4,800 |\n"
    "| Build \\| test | 10 | $12,000 |\n";

// Collapses whitespace runs to one space.
std::string Squeeze(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (!space)
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return out;
}

// Leading spaces of the first line of `layout` (pdftotext -layout output) containing `needle`.
int LineIndent(const std::string& layout, const std::string& needle) {
  size_t at = layout.find(needle);
  if (at == std::string::npos) return -1;
  size_t begin = layout.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return static_cast<int>(layout.find_first_not_of(" \f", begin) - begin);
}

// What a client sees: the DOCX rendered to PDF by LibreOffice, and the pages' text read back.
// The list numbers are in the text only if Word numbering produced them (document.xml holds
// none), nesting shows as indentation, and a table row's cells share a line.
TEST_F(ExportNodeTest, DocxRendersListsAndTablesThroughLibreOffice) {
  if (std::system("command -v libreoffice >/dev/null 2>&1") != 0 ||
      std::system("command -v pdftotext >/dev/null 2>&1") != 0 ||
      std::system("command -v pdftoppm >/dev/null 2>&1") != 0)
    FAIL() << "this test needs libreoffice, pdftotext and pdftoppm: run scripts/setup.sh";
  auto r =
      Run(export_,
          {{"title", "Proposal"},
           {"sections",
            Json::array(
                {{{"heading", "Scope"}, {"body", kProposal}, {"images", "{{steps.hero.image}}"}}})},
           {"formats", Json::array({"docx"})}},
          "export");
  ASSERT_TRUE(r) << r.error().ToString();
  const std::string docx = Bytes(r->artifacts[0]);
  const std::string document = ReadZip(docx)["word/document.xml"];
  EXPECT_EQ(document.find("1. Discovery"), std::string::npos);
  EXPECT_EQ(document.find("\u2022"), std::string::npos);
  {
    std::ofstream f(dir_ / "proposal.docx", std::ios::binary);
    f << docx;
  }
  const std::string dir = dir_.string();
  const std::string cmd = "cd '" + dir + "' && HOME='" + dir +
                          "' timeout -k 5 120 libreoffice --headless --norestore "
                          "-env:UserInstallation=file://" +
                          dir + "/lo-profile --convert-to pdf --outdir '" + dir +
                          "' proposal.docx >lo.log 2>&1";
  auto started = std::chrono::steady_clock::now();
  int rc = std::system(cmd.c_str());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("libreoffice_seconds", std::to_string(seconds));
  std::printf("[ timing   ] libreoffice --convert-to pdf took %.1f s\n", seconds);
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  ASSERT_EQ(rc, 0) << slurp(dir_ / "lo.log");
  ASSERT_TRUE(fs::exists(dir_ / "proposal.pdf")) << slurp(dir_ / "lo.log");
  ASSERT_EQ(std::system(("cd '" + dir +
                         "' && pdftotext -layout proposal.pdf proposal.txt && "
                         "pdftoppm -png -r 40 -f 1 -l 1 proposal.pdf page")
                            .c_str()),
            0);
  EXPECT_GT(fs::file_size(dir_ / "page-1.png"), 1000u);  // the first page renders

  const std::string layout = slurp(dir_ / "proposal.txt");
  const std::string text = Squeeze(layout);
  // In order, numbered by Word: the nested ordered list and the second list count from 1.
  size_t at = 0;
  for (const char* piece :
       {"Proposal", "Scope", "We propose three phases:", "1. Discovery workshop", "2. Design",
        "Brand palette", "Page layouts", "1. Home page", "2. Article page", "3. Delivery",
        "Options:", "1. Alpha plan", "2. Beta plan", "Item Days Price", "Design 4 $4,800",
        "Build | test 10 $12,000", "hero.png"}) {
    size_t found = text.find(piece, at);
    EXPECT_NE(found, std::string::npos) << "missing or out of order: " << piece << "\n" << layout;
    if (found != std::string::npos) at = found + 1;
  }
  EXPECT_EQ(text.find("---"), std::string::npos) << layout;
  EXPECT_EQ(text.find("| Item"), std::string::npos) << layout;
  // Nesting is indentation on the page.
  EXPECT_LT(LineIndent(layout, "Discovery workshop"), LineIndent(layout, "Brand palette"))
      << layout;
  EXPECT_LT(LineIndent(layout, "Brand palette"), LineIndent(layout, "Home page")) << layout;
  EXPECT_EQ(LineIndent(layout, "Discovery workshop"), LineIndent(layout, "Delivery")) << layout;
}

TEST_F(ExportNodeTest, ExportTakesAnAttachDocumentWithThePrimaryImageFirst) {
  auto attached = Run(attach_,
                      {{"document", "{{steps.article.text}}"},
                       {"images", "{{steps.hero.images}}"},
                       {"primary", 1},
                       {"title", "Lights"}},
                      "attach");
  ASSERT_TRUE(attached) << attached.error().ToString();
  scope_["steps"]["attach"] = attached->output;
  auto r = Run(export_,
               {{"sections", "{{steps.attach.document}}"}, {"formats", Json::array({"markdown"})}},
               "export");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->artifacts.size(), 1u);
  const std::string md = Bytes(r->artifacts[0]);
  EXPECT_EQ(md.rfind("# Lights\n", 0), 0u) << md;
  EXPECT_NE(md.find("They **guide** ships."), std::string::npos) << md;
  size_t detail = md.find("![detail.png](detail.png)"), hero = md.find("![hero.png](hero.png)");
  ASSERT_NE(detail, std::string::npos) << md;
  ASSERT_NE(hero, std::string::npos) << md;
  EXPECT_LT(detail, hero);
  EXPECT_EQ(Count(md, "!["), 2);

  // A list mixing a document (the whole attach output) and a section.
  auto mixed = Run(
      export_,
      {{"title", "Report"},
       {"sections", Json::array({"{{steps.attach}}", {{"heading", "Notes"}, {"body", "End."}}})},
       {"formats", Json::array({"markdown"})}},
      "export");
  ASSERT_TRUE(mixed) << mixed.error().ToString();
  const std::string md2 = Bytes(mixed->artifacts[0]);
  EXPECT_NE(md2.find("## Lights\n"), std::string::npos) << md2;
  EXPECT_NE(md2.find("## Notes\n\nEnd."), std::string::npos) << md2;
}

TEST_F(ExportNodeTest, ExportSanitizesTheFilenameAndDefaultsToTheStepId) {
  auto r = Run(export_,
               {{"sections", Json::array({{{"body", "x"}}})},
                {"formats", Json::array({"html", "markdown"})},
                {"filename", "../My Report?/v2.html"}},
               "export");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->artifacts.size(), 2u);
  EXPECT_EQ(r->artifacts[0].name, "_My_Report__v2.md");
  EXPECT_EQ(r->artifacts[1].name, "_My_Report__v2.html");
  EXPECT_TRUE(r->output["docx"].is_null());
  EXPECT_EQ(r->output["markdown"], r->artifacts[0].id);

  auto d =
      Run(export_, {{"sections", "just text"}, {"formats", Json::array({"docx"})}}, "pages[3]");
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->artifacts.size(), 1u);
  EXPECT_EQ(d->artifacts[0].name, "pages-3.docx");
  EXPECT_EQ(SanitizeFilename("a b/c\\d..e"), "a_b_c_d..e");
  EXPECT_EQ(SanitizeFilename("..."), "");
}

TEST_F(ExportNodeTest, ExportRejectsAnUnknownFormat) {
  auto r = Run(
      export_,
      {{"sections", Json::array({{{"body", "x"}}})}, {"formats", Json::array({"markdown", "pdf"})}},
      "export");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("pdf"), std::string::npos) << r.error().message();
}

TEST_F(ExportNodeTest, ExportFailsWhenAnImageBlobIsMissing) {
  const std::string missing(64, 'b');
  auto r =
      Run(export_,
          {{"sections",
            Json::array({{{"body", "x"}, {"images", {{"sha256", missing}, {"name", "x.png"}}}}})}},
          "export");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.error().message().find(missing), std::string::npos) << r.error().message();
}

TEST_F(ExportNodeTest, ExportRejectsMalformedSections) {
  auto r = Run(export_, {{"sections", 42}}, "export");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  auto missing = Run(export_, {{"title", "x"}}, "export");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kInvalidArgument);
}

TEST(MarkdownTest, ConvertsTheCommonSubsetToHtml) {
  std::string html = md::BlocksToHtml(
      md::ParseBlocks("# Top\n## Sub\nA *b* **c** `d<e>` snake_case_name 2 * 3\nsame paragraph\n\n"
                      "* x\n* y\n\n```\n<raw> & code\n```\n[bad](javascript:alert(1))"));
  EXPECT_NE(html.find("<h3>Top</h3>"), std::string::npos) << html;
  EXPECT_NE(html.find("<h4>Sub</h4>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>A <em>b</em> <strong>c</strong> <code>d&lt;e&gt;</code> "
                      "snake_case_name 2 * 3 same paragraph</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<ul>\n<li>x</li>\n<li>y</li>\n</ul>"), std::string::npos) << html;
  EXPECT_NE(html.find("<pre><code>&lt;raw&gt; &amp; code</code></pre>"), std::string::npos) << html;
  EXPECT_EQ(html.find("javascript"), std::string::npos) << html;
  EXPECT_EQ(CheckTagsBalanced(html), "");
}

TEST(MarkdownTest, LeavesUnterminatedMarkupLiteral) {
  for (const char* text : {"", "[", "**", "`", "[a](", "*", "_a", "1.", "#", ">", "```", "\\",
                           "a ** b", "[x]y", "**a *b** c*", "- ", "\r\n\r\n"}) {
    std::string html = md::BlocksToHtml(md::ParseBlocks(text));
    EXPECT_EQ(CheckTagsBalanced(html), "") << text << " -> " << html;
  }
  EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks("**open and `tick")), "<p>**open and `tick</p>\n");
  EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks("\\*not italic\\*")), "<p>*not italic*</p>\n");
}

// Emphasis and links are found in one pass. Asked afresh for every marker, "*a " repeated over
// 600 KB took 262 s (each '*' scanned all later ones for a closer) and 600 KB of '[' 4 s; a
// step's text may be 32 MiB. The results are those the scanning parser gave (checked on 24
// million strings when it was replaced).
TEST(MarkdownTest, EmphasisAndLinksAreFoundInOnePass) {
  const std::pair<const char*, const char*> cases[] = {
      {"a * b* c *d*", "<p>a * b* c <em>d</em></p>\n"},
      {"*a **b** c*", "<p><em>a </em><strong><em>b</em></strong><em> c</em></p>\n"},
      {"**a *b** c*", "<p><strong>a </strong><strong><em>b</em></strong><em> c</em></p>\n"},
      {"_a_ snake_case _b_c_", "<p><em>a</em> snake_case <em>b_c</em></p>\n"},
      {"a _b _c_", "<p>a <em>b _c</em></p>\n"},
      {"*a*** b", "<p><em>a**</em> b</p>\n"},
      {" ***a*** ", "<p><strong><em>a</em></strong></p>\n"},
      {"[a] [b](http://x) [c](", "<p><a href=\"http://x\">a] [b</a> [c](</p>\n"},
      {"[[x](http://y)", "<p><a href=\"http://y\">[x</a></p>\n"}};
  for (const auto& [text, html] : cases)
    EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks(text)), html) << text;
  for (const std::string unit : {"*a ", "_a ", "[", "[a](", "*a* "}) {
    std::string text;
    while (text.size() < (1 << 20)) text += unit;
    const auto start = std::chrono::steady_clock::now();
    const std::string html = md::BlocksToHtml(md::ParseBlocks(text));
    EXPECT_GT(html.size(), text.size()) << unit;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << unit;
  }
}

TEST(MarkdownTest, Base64MatchesKnownVectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(md::EscapeMarkup("a<b>&\"'\x01\t"), "a&lt;b&gt;&amp;&quot;&#39;\t");
}

std::string Text(const std::vector<md::Span>& spans) {
  std::string out;
  for (const md::Span& s : spans) out += s.text;
  return out;
}

TEST(MarkdownTest, NestsListsByIndentation) {
  auto blocks = md::ParseBlocks(
      "- a\n  - a1\n    1. deep\n    2. deeper\n  - a2\n- b\n1) one\n2) two\n\n7. seven\n");
  ASSERT_EQ(blocks.size(), 2u);
  const md::Block& bullets = blocks[0];
  ASSERT_EQ(bullets.kind, md::Block::Kind::kList);
  EXPECT_FALSE(bullets.ordered);
  ASSERT_EQ(bullets.items.size(), 2u);
  EXPECT_EQ(Text(bullets.items[0].spans), "a");
  EXPECT_EQ(Text(bullets.items[1].spans), "b");
  ASSERT_EQ(bullets.items[0].children.size(), 1u);
  const md::Block& inner = bullets.items[0].children[0];
  ASSERT_EQ(inner.kind, md::Block::Kind::kList);
  ASSERT_EQ(inner.items.size(), 2u);
  EXPECT_EQ(Text(inner.items[1].spans), "a2");
  ASSERT_EQ(inner.items[0].children.size(), 1u);
  const md::Block& deep = inner.items[0].children[0];
  EXPECT_TRUE(deep.ordered);
  ASSERT_EQ(deep.items.size(), 2u);
  EXPECT_EQ(Text(deep.items[1].spans), "deeper");
  // Numbers after bullets at the same level start a new list; a blank line does not end it.
  const md::Block& numbers = blocks[1];
  EXPECT_TRUE(numbers.ordered);
  EXPECT_EQ(numbers.start, 1);
  ASSERT_EQ(numbers.items.size(), 3u);
  EXPECT_EQ(Text(numbers.items[2].spans), "seven");

  EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks("1. x\n   - y\n   - z\n2. w\n")),
            "<ol>\n<li>x\n<ul>\n<li>y</li>\n<li>z</li>\n</ul>\n</li>\n<li>w</li>\n</ol>\n");
  EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks("3. c\n4. d")),
            "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n");
  // Two spaces under a number nest too, as text models write them.
  auto two = md::ParseBlocks("1. x\n  2. y\n");
  ASSERT_EQ(two.size(), 1u);
  ASSERT_EQ(two[0].items.size(), 1u);
  EXPECT_EQ(two[0].items[0].children.size(), 1u);
}

TEST(MarkdownTest, ContinuesListItemsAndEndsListsAtUnindentedText) {
  auto blocks = md::ParseBlocks(
      "- first line\n  wraps here\n\n  more about first\n- second\n\nAfter the list.\n# Head");
  ASSERT_EQ(blocks.size(), 3u);
  ASSERT_EQ(blocks[0].items.size(), 2u);
  EXPECT_EQ(Text(blocks[0].items[0].spans), "first line wraps here");
  ASSERT_EQ(blocks[0].items[0].children.size(), 1u);
  EXPECT_EQ(blocks[0].items[0].children[0].kind, md::Block::Kind::kParagraph);
  EXPECT_EQ(Text(blocks[0].items[0].children[0].spans), "more about first");
  EXPECT_EQ(blocks[1].kind, md::Block::Kind::kParagraph);
  EXPECT_EQ(Text(blocks[1].spans), "After the list.");
  EXPECT_EQ(blocks[2].kind, md::Block::Kind::kHeading);
  std::string html = md::BlocksToHtml(blocks);
  EXPECT_NE(html.find("<li>first line wraps here\n<p>more about first</p>\n</li>"),
            std::string::npos)
      << html;
  EXPECT_EQ(CheckTagsBalanced(html), "");
}

TEST(MarkdownTest, ParsesPipeTables) {
  auto blocks = md::ParseBlocks(
      "Costs:\n| Item | Qty | Price |\n|:-----|:---:|------:|\n| **Design** | 2 | `a\\|b` |\n"
      "| Build \\| test | 3 |\n| x | y | z | extra |\n\nafter");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(Text(blocks[0].spans), "Costs:");
  const md::Block& t = blocks[1];
  ASSERT_EQ(t.kind, md::Block::Kind::kTable);
  EXPECT_EQ(t.align,
            (std::vector<md::Block::Align>{md::Block::Align::kLeft, md::Block::Align::kCenter,
                                           md::Block::Align::kRight}));
  ASSERT_EQ(t.rows.size(), 4u);
  for (const auto& row : t.rows) EXPECT_EQ(row.size(), 3u);
  EXPECT_EQ(Text(t.rows[0][2]), "Price");
  ASSERT_EQ(t.rows[1][0].size(), 1u);
  EXPECT_TRUE(t.rows[1][0][0].bold);
  EXPECT_EQ(Text(t.rows[1][2]), "a|b");
  EXPECT_TRUE(t.rows[1][2][0].code);
  EXPECT_EQ(Text(t.rows[2][0]), "Build | test");
  EXPECT_EQ(Text(t.rows[2][2]), "");   // a short row is padded
  EXPECT_EQ(Text(t.rows[3][2]), "z");  // a long one cut
  EXPECT_EQ(Text(blocks[2].spans), "after");

  EXPECT_EQ(md::BlocksToHtml(md::ParseBlocks("| a | b |\n| --- | :-: |\n| 1 | *2* |")),
            "<table>\n<thead>\n<tr><th>a</th><th style=\"text-align: center\">b</th></tr>\n"
            "</thead>\n<tbody>\n<tr><td>1</td><td style=\"text-align: center\"><em>2</em></td>"
            "</tr>\n</tbody>\n</table>\n");
  // Not tables: no delimiter row, a delimiter row with another cell count.
  for (const char* text : {"a | b\nc | d", "a | b\n--- | --- | ---", "| a |\n| b |"}) {
    auto b = md::ParseBlocks(text);
    ASSERT_EQ(b.size(), 1u) << text;
    EXPECT_EQ(b[0].kind, md::Block::Kind::kParagraph) << text;
  }
}

// The XML of one DOCX part written from `markdown`.
std::map<std::string, std::string> DocxParts(const std::string& markdown) {
  ExportDocument doc;
  doc.title = "T";
  doc.sections.push_back({"S", markdown, {}});
  auto bytes = WriteDocx(doc);
  EXPECT_TRUE(bytes) << bytes.error().ToString();
  return bytes ? ReadZip(*bytes) : std::map<std::string, std::string>();
}

// An image's size comes from its metadata or its header, up to 2^31 - 1 pixels a side; a huge one
// is scaled to fit the page like any other (the scaling overflowed 64 bits before: found by the
// export fuzzer, fuzz/corpus/export/huge_image).
TEST(DocxTest, HugeImagesFitThePage) {
  ExportDocument doc;
  doc.title = "T";
  ExportImage wide{"wide.png", "image/png", std::string("\x89PNG\r\n\x1a\n", 8), 2147483647,
                   1147483647};
  ExportImage tall{"tall.png", "image/png", wide.bytes, 1, 2147483647};
  doc.sections.push_back({"S", "text", {wide, tall}});
  auto bytes = WriteDocx(doc);
  ASSERT_TRUE(bytes) << bytes.error().ToString();
  const std::string document = ReadZip(*bytes)["word/document.xml"];
  // 6 inches wide at most, 8 high, the aspect ratio kept: 5486400 * 1147483647 / 2147483647.
  EXPECT_NE(document.find("<wp:extent cx=\"5486400\" cy=\"2931595\"/>"), std::string::npos)
      << document;
  EXPECT_NE(document.find("<wp:extent cx=\"1\" cy=\"7315200\"/>"), std::string::npos) << document;
}

TEST(DocxTest, ListsAreWordNumberingWithLevels) {
  auto parts = DocxParts(
      "- a\n  - a1\n    - a2\n- b\n\ntext\n\n1. one\n2. two\n\ntext\n\n1. again\n   1. sub\n");
  const std::string& numbering = parts["word/numbering.xml"];
  ASSERT_FALSE(numbering.empty());
  EXPECT_NE(parts["[Content_Types].xml"].find(
                "PartName=\"/word/numbering.xml\" ContentType=\"application/"
                "vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\""),
            std::string::npos);
  EXPECT_NE(parts["word/_rels/document.xml.rels"].find("relationships/numbering\" "
                                                       "Target=\"numbering.xml\""),
            std::string::npos);
  EXPECT_NE(numbering.find("<w:numFmt w:val=\"bullet\"/>"), std::string::npos);
  EXPECT_NE(numbering.find("<w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/>"),
            std::string::npos);
  EXPECT_NE(numbering.find("<w:lvl w:ilvl=\"8\">"), std::string::npos);
  EXPECT_NE(numbering.find("<w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt "
                           "w:val=\"decimal\"/><w:lvlText w:val=\"%2.\"/><w:lvlJc "
                           "w:val=\"left\"/><w:pPr><w:ind w:left=\"1440\" w:hanging=\"360\"/>"),
            std::string::npos)
      << numbering;
  // One num per list: three bullet lists (a, a1, a2 levels), two ordered top lists, one nested.
  EXPECT_EQ(Count(numbering, "<w:num w:numId="), 6);
  EXPECT_EQ(Count(numbering, "<w:abstractNumId w:val=\"0\"/>"), 3);
  EXPECT_EQ(Count(numbering, "<w:abstractNumId w:val=\"1\"/>"), 3);
  // Ordered lists restart: each overrides its level's start.
  EXPECT_NE(numbering.find("<w:num w:numId=\"4\"><w:abstractNumId w:val=\"1\"/><w:lvlOverride "
                           "w:ilvl=\"0\"><w:startOverride w:val=\"1\"/></w:lvlOverride></w:num>"),
            std::string::npos)
      << numbering;
  EXPECT_NE(numbering.find("<w:num w:numId=\"6\"><w:abstractNumId w:val=\"1\"/><w:lvlOverride "
                           "w:ilvl=\"1\"><w:startOverride w:val=\"1\"/></w:lvlOverride></w:num>"),
            std::string::npos)
      << numbering;

  const std::string& document = parts["word/document.xml"];
  auto item = [](int ilvl, int num, const std::string& text) {
    return "<w:p><w:pPr><w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"" +
           std::to_string(ilvl) + "\"/><w:numId w:val=\"" + std::to_string(num) +
           "\"/></w:numPr></w:pPr><w:r><w:t xml:space=\"preserve\">" + text + "</w:t></w:r></w:p>";
  };
  size_t at = 0;
  for (const std::string& p :
       {item(0, 1, "a"), item(1, 2, "a1"), item(2, 3, "a2"), item(0, 1, "b"), item(0, 4, "one"),
        item(0, 4, "two"), item(0, 5, "again"), item(1, 6, "sub")}) {
    size_t found = document.find(p, at);
    ASSERT_NE(found, std::string::npos) << p << "\n" << document;
    at = found;
  }
  // The numbers and bullets are Word's, not typed into the text.
  EXPECT_EQ(document.find("\u2022"), std::string::npos);
  EXPECT_EQ(document.find(">1."), std::string::npos);
}

TEST(DocxTest, TablesAreWordTablesWithAHeaderRow) {
  auto parts = DocxParts(
      "| Item | Qty | Price |\n|:-----|:---:|------:|\n| **Design** | 2 | $10 |\n"
      "| Build \\| test | 3 | $20 |\n\nafter");
  const std::string& document = parts["word/document.xml"];
  EXPECT_EQ(Count(document, "<w:tbl>"), 1);
  EXPECT_EQ(Count(document, "<w:gridCol "), 3);
  EXPECT_EQ(Count(document, "<w:tr>"), 3);
  EXPECT_EQ(Count(document, "<w:tc>"), 9);
  EXPECT_EQ(Count(document, "<w:tblHeader/>"), 1);
  EXPECT_NE(document.find("<w:tblBorders><w:top w:val=\"single\""), std::string::npos);
  EXPECT_NE(document.find("<w:insideV w:val=\"single\""), std::string::npos);
  EXPECT_EQ(document.find('|' + std::string(" Item")), std::string::npos);
  // The header row is bold; the columns keep their alignment.
  EXPECT_NE(document.find("<w:jc w:val=\"left\"/></w:pPr><w:r><w:rPr><w:b/><w:bCs/></w:rPr>"
                          "<w:t xml:space=\"preserve\">Item</w:t>"),
            std::string::npos)
      << document;
  EXPECT_NE(document.find("<w:jc w:val=\"center\"/></w:pPr><w:r><w:rPr><w:b/><w:bCs/></w:rPr>"
                          "<w:t xml:space=\"preserve\">Qty</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find("<w:jc w:val=\"right\"/></w:pPr><w:r><w:t "
                          "xml:space=\"preserve\">$20</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find("<w:b/><w:bCs/></w:rPr><w:t xml:space=\"preserve\">Design</w:t>"),
            std::string::npos);
  EXPECT_NE(document.find(">Build | test</w:t>"), std::string::npos);
  // Cells sit in rows in order, and the table ends before the next paragraph.
  size_t item = document.find(">Item<"), design = document.find(">Design<"),
         build = document.find(">Build | test<"), end = document.find("</w:tbl>"),
         after = document.find(">after<");
  EXPECT_LT(item, design);
  EXPECT_LT(design, build);
  EXPECT_LT(build, end);
  EXPECT_LT(end, after);
}

}  // namespace
}  // namespace atelier
