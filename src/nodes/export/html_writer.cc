#include "html_writer.h"

#include <cstdint>

#include "markdown.h"

namespace atelier {
namespace {

constexpr const char* kCss = R"(
body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font-family: Georgia, 'Times New Roman', serif;
       font-size: 1.1rem; line-height: 1.6; color: #222; background: #fff; }
h1, h2, h3, h4, h5, h6 { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
       line-height: 1.25; margin: 1.6em 0 0.6em; }
h1 { font-size: 2.1rem; margin-top: 0.5em; }
h2 { font-size: 1.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
a { color: #0b5cad; }
code { font-family: Menlo, Consolas, monospace; font-size: 0.9em; background: #f3f3f3; padding: 0.1em 0.3em; border-radius: 3px; }
pre { background: #f3f3f3; padding: 0.8em 1em; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
blockquote { margin: 1em 0; padding: 0.2em 1em; border-left: 4px solid #ccc; color: #555; }
figure { margin: 1.5em 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #666; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; vertical-align: top; }
thead th { background: #f3f3f3; }
)";

// A file name as a Markdown link target: characters that would end or split it are %-encoded.
std::string LinkTarget(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == ' ')
      out += "%20";
    else if (c == '(')
      out += "%28";
    else if (c == ')')
      out += "%29";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string WriteHtml(const ExportDocument& doc) {
  std::string title = md::EscapeMarkup(doc.title);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"Atelier\">\n<title>" +
      title + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<article>\n";
  if (!doc.title.empty()) out += "<h1>" + title + "</h1>\n";
  for (const ExportSection& s : doc.sections) {
    out += "<section>\n";
    if (!s.heading.empty()) out += "<h2>" + md::EscapeMarkup(s.heading) + "</h2>\n";
    out += md::BlocksToHtml(md::ParseBlocks(s.body));
    for (const ExportImage& img : s.images) {
      std::string name = md::EscapeMarkup(img.name);
      out += "<figure><img src=\"data:" + md::EscapeMarkup(img.mime) + ";base64," +
             Base64(img.bytes) + "\" alt=\"" + name + "\"";
      if (img.width > 0 && img.height > 0)
        out += " width=\"" + std::to_string(img.width) + "\" height=\"" +
               std::to_string(img.height) + "\"";
      out += "><figcaption>" + name + "</figcaption></figure>\n";
    }
    out += "</section>\n";
  }
  out += "</article>\n</body>\n</html>\n";
  return out;
}

std::string WriteMarkdown(const ExportDocument& doc) {
  std::string out;
  if (!doc.title.empty()) out += "# " + doc.title + "\n\n";
  for (const ExportSection& s : doc.sections) {
    if (!s.heading.empty()) out += "## " + s.heading + "\n\n";
    std::string body = s.body;
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
    if (!body.empty()) out += body + "\n\n";
    for (const ExportImage& img : s.images)
      out += "![" + img.name + "](" + LinkTarget(img.name) + ")\n";
    if (!s.images.empty()) out += "\n";
  }
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

}  // namespace atelier
