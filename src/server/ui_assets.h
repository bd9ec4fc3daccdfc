// Private to the server: the web UI's files (web/, built by Vite). The normal build compiles
// web/dist into the binary (cmake/embed_web.cmake writes EmbeddedUiFiles), so `atelier serve`
// alone serves the UI; ServerOptions::ui_dir serves a folder instead (UI development).
//
// Thread-safe after construction: lookups only read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace atelier::api {

// One embedded file: its path under dist/ ("index.html", "assets/index-3f2a.js") and its bytes.
struct EmbeddedUiFile {
  const char* path;
  const unsigned char* data;
  size_t size;
};
// Every embedded file (none when the build had no UI: ATELIER_BUILD_UI=OFF).
const std::vector<EmbeddedUiFile>& EmbeddedUiFiles();

// What a GET for a UI path answers.
struct UiAsset {
  std::string body;
  std::string content_type;
  std::string cache_control;
};

class UiAssets {
 public:
  // `dir` empty: the embedded files; else the files under `dir`, read at each request.
  explicit UiAssets(std::string dir);

  // The file at `path` ("/", "/assets/x.js"); a path that names no file and has no extension in
  // its last segment is a page of the single-page app and answers index.html. nullopt: no such
  // file (or no UI at all).
  std::optional<UiAsset> Find(const std::string& path) const;
  // Whether there is any UI to serve.
  bool available() const;

 private:
  std::optional<std::string> Read(const std::string& rel) const;
  std::string dir_;
};

// The Content-Type for a file name by its extension ("application/octet-stream" when unknown).
std::string ContentTypeFor(const std::string& name);

}  // namespace atelier::api
