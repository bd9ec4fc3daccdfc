#include "atelier/nodes/export/export_node.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "atelier/core/render.h"
#include "atelier/engine/image_format.h"
#include "atelier/nodes/node_support.h"
#include "docx_writer.h"
#include "export_document.h"
#include "html_writer.h"

namespace atelier {
namespace {

using namespace nodes;

Status CheckCancel(const NodeContext& ctx) {
  if (ctx.cancel && ctx.cancel->cancelled()) return Cancelled(ctx.cancel->reason());
  return Status::Ok();
}

// One image object (it must carry a sha256), or a list of them, or generate_image's whole
// output ({"images": [...]}); null gives none.
Result<std::vector<Json>> ImagesOf(const Json& v, const std::string& where) {
  std::vector<Json> out;
  auto one = [&](const Json& img, const std::string& path) -> Status {
    if (!img.is_object())
      return InvalidArgument(path + ": expected an image object, got " + img.dump());
    auto sha = img.find("sha256");
    if (sha == img.end() || !sha->is_string() || sha->get_ref<const std::string&>().empty())
      return InvalidArgument(path + ": the image object has no sha256");
    out.push_back(img);
    return Status::Ok();
  };
  if (v.is_null()) return out;
  if (v.is_object() && !v.contains("sha256") && v.contains("images") && v["images"].is_array())
    return ImagesOf(v["images"], where);
  if (v.is_object()) {
    Status s = one(v, where);
    if (!s.ok()) return Err(s);
    return out;
  }
  if (!v.is_array())
    return Err(
        InvalidArgument(where + ": expected an image object or a list of them, got " + v.dump()));
  for (size_t i = 0; i < v.size(); ++i) {
    Status s = one(v[i], where + "[" + std::to_string(i) + "]");
    if (!s.ok()) return Err(s);
  }
  return out;
}

// The bytes of an image object's blob. FailedPrecondition when the blob store lacks it.
Result<std::string> LoadImage(const NodeContext& ctx, const Json& img, const std::string& where) {
  const std::string sha = img.value("sha256", "");
  auto bytes = ctx.blobs->Get(sha);
  if (bytes) return bytes;
  if (bytes.error().code() == Code::kNotFound || bytes.error().code() == Code::kInvalidArgument)
    return Err(FailedPrecondition(where + ": image blob " + sha + " is missing (" +
                                  bytes.error().message() + ")"));
  return Err(bytes.error());
}

int IntField(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return 0;
  double d = it->get<double>();
  return d > 0 && d < 1e6 ? static_cast<int>(d) : 0;
}

// --- export's sections ------------------------------------------------------------------------

struct RawSection {
  std::string heading;
  std::string body;
  std::vector<Json> images;
  bool from_document = false;
};

// The text of a body: markdown, or an object with "text" (generate_text's output).
Result<std::string> TextOf(const Json& v, const std::string& where) {
  if (v.is_null()) return std::string();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("text") && v["text"].is_string())
    return v["text"].get<std::string>();
  return Err(InvalidArgument(where + ": expected markdown text, got " + v.dump()));
}

Status CollectSections(const Json& v, const std::string& where, std::vector<RawSection>* out) {
  if (v.is_string()) {
    out->push_back({"", v.get<std::string>(), {}, false});
    return Status::Ok();
  }
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      Status s = CollectSections(v[i], where + "[" + std::to_string(i) + "]", out);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  if (!v.is_object())
    return InvalidArgument(where +
                           ": expected a section {heading, body, images}, a document or "
                           "a list of them, got " +
                           v.dump());
  // An attach output: its document.
  if (v.contains("document") && v["document"].is_object())
    return CollectSections(v["document"], where + ".document", out);
  if (v.contains("text") && !v.contains("body")) {
    // An attach document: one section, the primary image first.
    RawSection s;
    s.from_document = true;
    s.heading = v.contains("title") && v["title"].is_string() ? v["title"].get<std::string>() : "";
    auto text = TextOf(v["text"], where + ".text");
    if (!text) return text.error();
    s.body = std::move(*text);
    auto images = ImagesOf(v.value("images", Json()), where + ".images");
    if (!images) return images.error();
    auto primary = ImagesOf(v.value("primary", Json()), where + ".primary");
    if (!primary) return primary.error();
    if (!primary->empty()) s.images.push_back((*primary)[0]);
    for (Json& img : *images) {
      if (!primary->empty() && img.value("sha256", "") == (*primary)[0].value("sha256", "") &&
          img.value("artifact_id", "") == (*primary)[0].value("artifact_id", ""))
        continue;
      s.images.push_back(std::move(img));
    }
    out->push_back(std::move(s));
    return Status::Ok();
  }
  RawSection s;
  if (v.contains("heading") && !v["heading"].is_null()) {
    if (!v["heading"].is_string())
      return InvalidArgument(where + ".heading: expected text, got " + v["heading"].dump());
    s.heading = v["heading"].get<std::string>();
  }
  auto body = TextOf(v.value("body", Json()), where + ".body");
  if (!body) return body.error();
  s.body = std::move(*body);
  auto images = ImagesOf(v.value("images", Json()), where + ".images");
  if (!images) return images.error();
  s.images = std::move(*images);
  out->push_back(std::move(s));
  return Status::Ok();
}

Result<std::vector<std::string>> ParseFormats(const Json& v) {
  std::vector<std::string> requested;
  auto add = [&](std::string f) {
    std::string clean;
    for (char c : f)
      if (!std::isspace(static_cast<unsigned char>(c)))
        clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!clean.empty()) requested.push_back(clean);
  };
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t start = 0;
    for (;;) {
      size_t comma = s.find(',', start);
      add(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (v.is_array()) {
    for (const Json& f : v) {
      if (!f.is_string()) return Err(InvalidArgument("formats: expected names, got " + f.dump()));
      add(f.get<std::string>());
    }
  } else {
    return Err(InvalidArgument("formats: expected a list such as [\"markdown\", \"html\"], got " +
                               v.dump()));
  }
  static const std::vector<std::string> kKnown = {"markdown", "html", "docx"};
  for (const std::string& f : requested)
    if (std::find(kKnown.begin(), kKnown.end(), f) == kKnown.end())
      return Err(
          InvalidArgument("formats: unknown format '" + f + "' (expected markdown, html or docx)"));
  // A fixed order, so artifact ids do not depend on how the list was written.
  std::vector<std::string> out;
  for (const std::string& f : kKnown)
    if (std::find(requested.begin(), requested.end(), f) != requested.end()) out.push_back(f);
  if (out.empty())
    return Err(InvalidArgument("formats: name at least one of markdown, html, docx"));
  return out;
}

}  // namespace

std::string SanitizeFilename(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (out.empty() && c == '.') continue;  // no hidden files, no ".."
    out += ok ? c : '_';
  }
  if (out.size() > 100) out.resize(100);
  return out;
}

Result<NodeResult> AttachNode::Execute(const NodeContext& ctx) {
  auto document = RenderField(ctx, "document");
  if (!document) return Err(document.error());
  auto title = RenderText(ctx, "title", "");
  if (!title) return Err(title.error());
  std::string text;
  if (document->is_string()) {
    text = document->get<std::string>();
  } else if (document->is_object() && (*document)["text"].is_string()) {
    text = (*document)["text"].get<std::string>();
    if (title->empty() && document->contains("title") && (*document)["title"].is_string())
      *title = (*document)["title"].get<std::string>();
  } else {
    return Err(InvalidArgument("document: expected markdown text or an object with \"text\", got " +
                               document->dump()));
  }

  auto images_value = RenderField(ctx, "images");
  if (!images_value) return Err(images_value.error());
  auto images = ImagesOf(*images_value, "images");
  if (!images) return Err(images.error());
  auto primary = RenderInt(ctx, "primary", 0);
  if (!primary) return Err(primary.error());
  if (*primary < 0 ||
      (images->empty() ? *primary != 0 : *primary >= static_cast<int64_t>(images->size())))
    return Err(InvalidArgument("primary: index " + std::to_string(*primary) +
                               " is out of range for " + std::to_string(images->size()) +
                               " image(s)"));
  for (size_t i = 0; i < images->size(); ++i) {
    Status c = CheckCancel(ctx);
    if (!c.ok()) return Err(c);
    auto bytes = LoadImage(ctx, (*images)[i], "images[" + std::to_string(i) + "]");
    if (!bytes) return Err(bytes.error());
  }

  Json list(*images);
  if (images->empty()) list = Json::array();
  Json primary_image = images->empty() ? Json() : (*images)[static_cast<size_t>(*primary)];
  Json doc = {{"title", *title}, {"text", text}, {"images", list}, {"primary", primary_image}};

  NodeResult r;
  r.output = {{"document", doc}, {"images", list}, {"primary", primary_image}};
  auto added = AddArtifact(ctx, &r, 0, doc.dump(2) + "\n", "document", "application/json",
                           FileStem(ctx.step_id) + ".json", {{"images", images->size()}});
  if (!added) return Err(added.error());
  return r;
}

Result<NodeResult> ExportNode::Execute(const NodeContext& ctx) {
  auto title = RenderText(ctx, "title", "");
  if (!title) return Err(title.error());
  auto sections_value = RenderField(ctx, "sections");
  if (!sections_value) return Err(sections_value.error());
  if (sections_value->is_null()) return Err(InvalidArgument("sections: required"));
  std::vector<RawSection> raw;
  Status collected = CollectSections(*sections_value, "sections", &raw);
  if (!collected.ok()) return Err(collected);
  // A lone document with no export title lends the export its title.
  if (title->empty() && raw.size() == 1 && raw[0].from_document) std::swap(*title, raw[0].heading);
  for (RawSection& s : raw)
    if (s.from_document && s.heading == *title) s.heading.clear();

  auto formats_value = RenderField(ctx, "formats", Json::array({"markdown", "html", "docx"}));
  if (!formats_value) return Err(formats_value.error());
  auto formats = ParseFormats(*formats_value);
  if (!formats) return Err(formats.error());

  auto filename_text = RenderText(ctx, "filename", "");
  if (!filename_text) return Err(filename_text.error());
  std::string filename = SanitizeFilename(*filename_text);
  for (const char* ext : {".md", ".markdown", ".html", ".htm", ".docx"}) {
    std::string e = ext;
    if (filename.size() > e.size() &&
        filename.compare(filename.size() - e.size(), e.size(), e) == 0) {
      filename.resize(filename.size() - e.size());
      break;
    }
  }
  if (filename.empty()) filename = SanitizeFilename(FileStem(ctx.step_id));
  if (filename.empty()) filename = "export";

  // Load every image once.
  ExportDocument doc;
  doc.title = *title;
  std::map<std::string, std::string> cache;  // sha256 -> bytes
  int image_number = 0;
  for (size_t si = 0; si < raw.size(); ++si) {
    ExportSection section;
    section.heading = raw[si].heading;
    section.body = raw[si].body;
    for (size_t ii = 0; ii < raw[si].images.size(); ++ii) {
      Status c = CheckCancel(ctx);
      if (!c.ok()) return Err(c);
      const Json& obj = raw[si].images[ii];
      const std::string sha = obj.value("sha256", "");
      auto cached = cache.find(sha);
      if (cached == cache.end()) {
        auto bytes = LoadImage(
            ctx, obj, "sections[" + std::to_string(si) + "].images[" + std::to_string(ii) + "]");
        if (!bytes) return Err(bytes.error());
        cached = cache.emplace(sha, std::move(*bytes)).first;
      }
      ExportImage img;
      img.bytes = cached->second;
      img.mime = SniffImageMime(img.bytes);
      if (img.mime.empty()) img.mime = obj.value("mime", "application/octet-stream");
      ++image_number;
      img.name = SanitizeFilename(
          obj.contains("name") && obj["name"].is_string() ? obj["name"].get<std::string>() : "");
      if (img.name.empty())
        img.name = "image-" + std::to_string(image_number) + ImageExtension(img.mime);
      img.width = IntField(obj, "width");
      img.height = IntField(obj, "height");
      if (img.width == 0 || img.height == 0) std::tie(img.width, img.height) = SniffImageSize(img.bytes);
      section.images.push_back(std::move(img));
    }
    doc.sections.push_back(std::move(section));
  }

  NodeResult r;
  r.output = {
      {"files", Json::array()}, {"markdown", nullptr}, {"html", nullptr}, {"docx", nullptr}};
  int index = 0;
  for (const std::string& format : *formats) {
    Status c = CheckCancel(ctx);
    if (!c.ok()) return Err(c);
    std::string bytes, mime, ext;
    if (format == "markdown") {
      bytes = WriteMarkdown(doc);
      mime = "text/markdown";
      ext = ".md";
    } else if (format == "html") {
      bytes = WriteHtml(doc);
      mime = "text/html; charset=utf-8";
      ext = ".html";
    } else {
      auto docx = WriteDocx(doc);
      if (!docx) return Err(docx.error());
      bytes = std::move(*docx);
      mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
      ext = ".docx";
    }
    auto id = AddArtifact(ctx, &r, index++, bytes, "document", mime, filename + ext,
                          {{"format", format}, {"title", doc.title}});
    if (!id) return Err(id.error());
    r.output["files"].push_back({{"format", format},
                                 {"artifact_id", *id},
                                 {"name", filename + ext},
                                 {"mime", mime},
                                 {"size", bytes.size()}});
    r.output[format] = *id;
  }
  return r;
}

void RegisterExportNodes(NodeRegistry* registry) {
  registry->Add("attach", std::make_shared<AttachNode>());
  registry->Add("export", std::make_shared<ExportNode>());
}

}  // namespace atelier
