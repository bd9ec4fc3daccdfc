#include "ui_assets.h"

#include <sstream>

#include "atelier/app/files.h"

namespace atelier::api {
namespace {

std::string Extension(const std::string& name) {
  auto slash = name.rfind('/');
  auto dot = name.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// A request path as a relative file path, or "" when it is not one a UI file can have (".."
// segments, empty segments, backslashes).
std::string Relative(const std::string& path) {
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) return "";
  std::stringstream in(rel);
  std::string seg;
  while (std::getline(in, seg, '/'))
    if (seg.empty() || seg == "." || seg == "..") return "";
  return rel;
}

}  // namespace

std::string ContentTypeFor(const std::string& name) {
  const std::string ext = Extension(name);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

UiAssets::UiAssets(std::string dir) : dir_(std::move(dir)) {}

bool UiAssets::available() const {
  return dir_.empty() ? !EmbeddedUiFiles().empty() : Read("index.html").has_value();
}

std::optional<std::string> UiAssets::Read(const std::string& rel) const {
  if (dir_.empty()) {
    for (const auto& f : EmbeddedUiFiles())
      if (rel == f.path) return std::string(reinterpret_cast<const char*>(f.data), f.size);
    return std::nullopt;
  }
  auto body = ReadWholeFile(dir_ + "/" + rel);
  if (!body) return std::nullopt;
  return std::move(*body);
}

std::optional<UiAsset> UiAssets::Find(const std::string& path) const {
  std::string rel = path == "/" ? "index.html" : Relative(path);
  if (rel.empty()) return std::nullopt;
  if (auto body = Read(rel)) {
    // Vite names what it builds under assets/ by content hash: such a file never changes.
    bool hashed = rel.rfind("assets/", 0) == 0;
    return UiAsset{std::move(*body), ContentTypeFor(rel),
                   hashed ? "public, max-age=31536000, immutable" : "no-cache"};
  }
  if (!Extension(rel).empty()) return std::nullopt;
  auto index = Read("index.html");
  if (!index) return std::nullopt;
  return UiAsset{std::move(*index), ContentTypeFor("index.html"), "no-cache"};
}

}  // namespace atelier::api
