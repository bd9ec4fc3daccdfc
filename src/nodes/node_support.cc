#include "atelier/nodes/node_support.h"

#include <cstdio>
#include <cstdlib>

#include "atelier/core/render.h"

namespace atelier::nodes {

Result<Json> RenderField(const NodeContext& ctx, const char* key, Json fallback) {
  const Json& data = *ctx.data;
  auto it = data.find(key);
  if (it == data.end()) return fallback;
  auto r = RenderValue(*it, *ctx.scope);
  if (!r) return Err(InvalidArgument(std::string(key) + ": " + r.error().message()));
  return r;
}

Result<std::string> RenderText(const NodeContext& ctx, const char* key, std::string fallback) {
  auto v = RenderField(ctx, key, fallback);
  if (!v) return Err(v.error());
  if (v->is_string()) return v->get<std::string>();
  if (v->is_null()) return std::string();
  return v->dump();
}

Result<int64_t> RenderInt(const NodeContext& ctx, const char* key, int64_t fallback) {
  auto v = RenderField(ctx, key, fallback);
  if (!v) return Err(v.error());
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  if (v->is_string()) {
    try {
      size_t used = 0;
      int64_t n = std::stoll(v->get<std::string>(), &used);
      if (used == v->get<std::string>().size()) return n;
    } catch (...) {
    }
  }
  return Err(InvalidArgument(std::string(key) + ": expected an integer, got " + v->dump()));
}

Result<double> RenderNumber(const NodeContext& ctx, const char* key, double fallback) {
  auto v = RenderField(ctx, key, fallback);
  if (!v) return Err(v.error());
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const auto& text = v->get_ref<const std::string&>();
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && end && *end == '\0') return d;
  }
  return Err(InvalidArgument(std::string(key) + ": expected a number, got " + v->dump()));
}

std::string FileStem(const std::string& step_id) {
  std::string out;
  for (char c : step_id) {
    if (c == '[') {
      out += '-';
    } else if (c != ']') {
      out += c;
    }
  }
  return out;
}

Result<Json> Knobs(const NodeContext& ctx) {
  Json k = Json::object();
  for (const char* key : {"latency_ms", "fail_first", "stream_chunk_ms"}) {
    if (!ctx.data->contains(key)) continue;
    auto v = RenderInt(ctx, key, 0);
    if (!v) return Err(v.error());
    k[key] = *v;
  }
  return k;
}

Result<std::pair<int, int>> ParseSize(const std::string& s) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X'))
    return Err(InvalidArgument("size: expected WIDTHxHEIGHT such as 1024x1024, got '" + s + "'"));
  if (w < 16 || h < 16 || w > 2048 || h > 2048)
    return Err(InvalidArgument("size: each side must be 16..2048 pixels, got '" + s + "'"));
  return std::make_pair(w, h);
}

std::string StripFences(const std::string& text) {
  auto fence = text.find("```");
  if (fence == std::string::npos) return text;
  auto start = text.find('\n', fence);
  auto end = text.rfind("```");
  if (start == std::string::npos || end <= start) return text;
  return text.substr(start + 1, end - start - 1);
}

Result<std::string> AddArtifact(const NodeContext& ctx, NodeResult* r, int index,
                                const std::string& bytes, const std::string& kind,
                                const std::string& mime, const std::string& name, Json meta) {
  auto sha = ctx.blobs->Put(bytes);
  if (!sha) return Err(sha.error());
  ArtifactDraft a;
  a.id = ctx.ArtifactId(index);
  a.kind = kind;
  a.mime = mime;
  a.sha256 = *sha;
  a.size = static_cast<int64_t>(bytes.size());
  a.name = name;
  a.meta = std::move(meta);
  r->artifacts.push_back(std::move(a));
  return r->artifacts.back().id;
}

Result<Json> AddImage(const NodeContext& ctx, NodeResult* r, int index, int count,
                      const GeneratedImage& img, const std::string& prompt) {
  const std::string ext = img.mime == "image/png"    ? ".png"
                          : img.mime == "image/jpeg" ? ".jpg"
                          : img.mime == "image/webp" ? ".webp"
                                                     : ".bin";
  const std::string name =
      FileStem(ctx.step_id) + (count > 1 ? "-" + std::to_string(index + 1) : "") + ext;
  auto id = AddArtifact(ctx, r, index, img.bytes, "image", img.mime, name,
                        {{"width", img.width}, {"height", img.height}, {"prompt", prompt}});
  if (!id) return Err(id.error());
  return Json{{"artifact_id", *id},          {"sha256", r->artifacts.back().sha256},
              {"mime", img.mime},            {"name", name},
              {"width", img.width},          {"height", img.height}};
}

Pending PendingOf(const NodeContext& ctx) {
  Pending p;
  if (!ctx.session || !ctx.session->is_object()) return p;
  auto it = ctx.session->find("pending");
  if (it == ctx.session->end() || !it->is_object()) return p;
  p.mode = it->value("mode", "run");
  p.instruction = it->value("instruction", "");
  return p;
}

std::vector<ChatMessage> MessagesOf(const Json& list) {
  std::vector<ChatMessage> out;
  if (!list.is_array()) return out;
  for (const auto& m : list)
    if (m.is_object()) out.push_back({m.value("role", "user"), m.value("content", ""), {}});
  return out;
}

Json MessagesJson(const std::vector<ChatMessage>& messages) {
  Json out = Json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

int64_t SeedFrom(const std::string& key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  return static_cast<int64_t>(h & 0x7fffffff);
}

}  // namespace atelier::nodes
