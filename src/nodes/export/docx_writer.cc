#include "docx_writer.h"

#include <zip.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "markdown.h"

namespace atelier {
namespace {

constexpr const char* kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr const char* kRelImage =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
constexpr const char* kRelLink =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";
constexpr int64_t kEmuPerPixel = 9525;        // at 96 dpi
constexpr int64_t kMaxWidthEmu = 6 * 914400;  // 6 inches: A4 with 1-inch margins leaves 6.27
constexpr int64_t kMaxHeightEmu = 8 * 914400;

constexpr const char* kStyles =
    R"(<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-US"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr><w:rPr><w:rFonts w:ascii="Calibri Light" w:hAnsi="Calibri Light" w:cs="Calibri Light"/><w:sz w:val="56"/><w:szCs w:val="56"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="1F3864"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="2F5496"/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="60"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="404040"/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:left="720" w:right="720"/></w:pPr><w:rPr><w:i/><w:iCs/><w:color w:val="555555"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Code"><w:name w:val="Code"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:left="360"/></w:pPr><w:rPr><w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:cs="Courier New"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="160"/><w:ind w:left="720"/><w:contextualSpacing/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:i/><w:iCs/><w:color w:val="666666"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style>
</w:styles>
)";

std::string ExtensionOf(const std::string& mime) {
  if (mime == "image/png") return "png";
  if (mime == "image/jpeg" || mime == "image/jpg") return "jpeg";
  if (mime == "image/gif") return "gif";
  if (mime == "image/webp") return "webp";
  if (mime == "image/bmp") return "bmp";
  if (mime == "image/svg+xml") return "svg";
  return "bin";
}

// word/styles.xml, the same for every document.
const std::string& StylesXml() {
  static const std::string kPart = std::string(kXmlHeader) + kStyles;
  return kPart;
}

bool ExternalHref(const std::string& href) {
  auto starts = [&](const char* p) { return href.rfind(p, 0) == 0; };
  return starts("http://") || starts("https://") || starts("mailto:");
}

constexpr int64_t kTextWidth = 11906 - 2 * 1440;  // twips: A4 less the margins
constexpr int kMaxListLevel = 8;                  // Word lists have levels 0..8

// Twips from the margin to the text of a list item at `ilvl`.
int ListIndent(int ilvl) { return 720 * (ilvl + 1); }

// One list's numbering instance.
struct ListNum {
  bool ordered = false;
  int start = 1;
  int ilvl = 0;
};

// word/numbering.xml: abstract definitions for bullets (0) and decimal numbers (1) on levels
// 0..8, and one w:num per list. Ordered lists override their level's start so each restarts
// (nums sharing an abstract definition would otherwise continue one count in Word).
std::string NumberingXml(const std::vector<ListNum>& nums) {
  // The part up to the first w:num depends on nothing: built once.
  static const std::string kDefinitions = [] {
    static constexpr const char* kBullets[] = {"\u2022", "\u25E6", "\u25AA"};
    std::string out = std::string(kXmlHeader) +
                      "<w:numbering "
                      "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\n";
    for (int abstract = 0; abstract < 2; ++abstract) {
      const bool bullet = abstract == 0;
      out += "<w:abstractNum w:abstractNumId=\"" + std::to_string(abstract) +
             "\"><w:multiLevelType w:val=\"hybridMultilevel\"/>";
      for (int l = 0; l <= kMaxListLevel; ++l) {
        std::string text = bullet ? kBullets[l % 3] : "%" + std::to_string(l + 1) + ".";
        out += "<w:lvl w:ilvl=\"" + std::to_string(l) +
               "\"><w:start w:val=\"1\"/><w:numFmt w:val=\"" + (bullet ? "bullet" : "decimal") +
               "\"/><w:lvlText w:val=\"" + text +
               "\"/><w:lvlJc w:val=\"left\"/><w:pPr><w:ind w:left=\"" +
               std::to_string(ListIndent(l)) + "\" w:hanging=\"360\"/></w:pPr></w:lvl>";
      }
      out += "</w:abstractNum>\n";
    }
    return out;
  }();
  std::string out = kDefinitions;
  for (size_t i = 0; i < nums.size(); ++i) {
    const ListNum& n = nums[i];
    out += "<w:num w:numId=\"";
    out += std::to_string(i + 1);
    out += "\"><w:abstractNumId w:val=\"";
    out += n.ordered ? "1" : "0";
    out += "\"/>";
    if (n.ordered) {
      out += "<w:lvlOverride w:ilvl=\"";
      out += std::to_string(n.ilvl);
      out += "\"><w:startOverride w:val=\"";
      out += std::to_string(n.start);
      out += "\"/></w:lvlOverride>";
    }
    out += "</w:num>\n";
  }
  out += "</w:numbering>\n";
  return out;
}

// Accumulates document.xml and the relationships it needs.
class DocumentBuilder {
 public:
  std::string body;
  std::string rels;                                        // <Relationship> elements beyond styles
  std::vector<std::pair<std::string, std::string>> media;  // (part name, bytes)
  std::vector<std::string> extensions;                     // of media, for [Content_Types].xml
  std::vector<ListNum> nums;                               // w:num instances; numId = index + 1

  // `ppr` is paragraph properties after the style (numPr, spacing, ind, jc, in schema order).
  // Written straight into `body`: a document's paragraphs are most of the writer's work.
  void Paragraph(std::string_view style, const std::vector<md::Span>& spans,
                 std::string_view ppr = {}, bool bold = false) {
    body += "<w:p>";
    if (!style.empty() || !ppr.empty()) {
      body += "<w:pPr>";
      if (!style.empty()) {
        body += "<w:pStyle w:val=\"";
        body += style;
        body += "\"/>";
      }
      body += ppr;
      body += "</w:pPr>";
    }
    for (const md::Span& s : spans) {
      if (!s.href.empty() && ExternalHref(s.href)) {
        const std::string id = "rIdL" + std::to_string(++links_);
        rels += "<Relationship Id=\"";
        rels += id;
        rels += "\" Type=\"";
        rels += kRelLink;
        rels += "\" Target=\"";
        md::AppendEscapedMarkup(&rels, s.href);
        rels += "\" TargetMode=\"External\"/>";
        body += "<w:hyperlink r:id=\"";
        body += id;
        body += "\">";
        Run(s, bold);
        body += "</w:hyperlink>";
      } else {
        Run(s, bold);
      }
    }
    body += "</w:p>\n";
  }

  void PlainParagraph(std::string_view style, const std::string& text) {
    std::vector<md::Span> spans(1);
    spans[0].text = text;
    Paragraph(style, spans);
  }

  void Markdown(const std::string& markdown) {
    for (const md::Block& b : md::ParseBlocks(markdown)) AddBlock(b);
  }

  void AddBlock(const md::Block& b) {
    switch (b.kind) {
      case md::Block::Kind::kParagraph:
        Paragraph("", b.spans);
        break;
      case md::Block::Kind::kHeading:
        // Section headings use Heading1; headings inside a body sit below them.
        Paragraph(b.level <= 1 ? "Heading2" : "Heading3", b.spans);
        break;
      case md::Block::Kind::kList:
        List(b, 0);
        break;
      case md::Block::Kind::kQuote:
        Paragraph("Quote", b.spans);
        break;
      case md::Block::Kind::kCode:
        // One span, the lines; not set in code's font: the Code style sets it.
        PlainParagraph("Code", b.spans.empty() ? std::string() : b.spans[0].text);
        break;
      case md::Block::Kind::kTable:
        Table(b);
        break;
    }
  }

  // Items are paragraphs numbered by Word (numPr), so Word can renumber and restyle them. Each
  // list gets its own w:num; an ordered one restarts at its first number.
  void List(const md::Block& list, int depth) {
    const int ilvl = std::min(depth, kMaxListLevel);
    nums.push_back({list.ordered, list.start, ilvl});
    const std::string num_pr = "<w:numPr><w:ilvl w:val=\"" + std::to_string(ilvl) +
                               "\"/><w:numId w:val=\"" + std::to_string(nums.size()) +
                               "\"/></w:numPr>";
    for (const md::ListItem& item : list.items) {
      Paragraph("ListParagraph", item.spans, num_pr);
      for (const md::Block& child : item.children) {
        if (child.kind == md::Block::Kind::kList) {
          List(child, depth + 1);
        } else {  // a paragraph continuing the item, aligned with its text
          Paragraph("ListParagraph", child.spans,
                    "<w:ind w:left=\"" + std::to_string(ListIndent(ilvl)) + "\"/>");
        }
      }
    }
  }

  // A bordered table over the text width; columns share it by the length of their longest cell.
  void Table(const md::Block& t) {
    const size_t cols = t.align.size();
    if (cols == 0 || t.rows.empty()) return;
    std::vector<int64_t> weight(cols, 4);
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < cols && c < row.size(); ++c) {
        int64_t len = 0;
        for (const md::Span& s : row[c]) len += static_cast<int64_t>(s.text.size());
        weight[c] = std::clamp<int64_t>(len, weight[c], 40);
      }
    }
    int64_t total = 0;
    for (int64_t w : weight) total += w;
    std::vector<int64_t> width(cols);
    for (size_t c = 0; c < cols; ++c) width[c] = kTextWidth * weight[c] / total;

    const std::string border = "w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"A6A6A6\"/>";
    body += "<w:tbl><w:tblPr><w:tblW w:w=\"" + std::to_string(kTextWidth) +
            "\" w:type=\"dxa\"/><w:tblBorders>";
    for (const char* side : {"top", "left", "bottom", "right", "insideH", "insideV"})
      body += std::string("<w:") + side + " " + border;
    body +=
        "</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar>"
        "<w:top w:w=\"40\" w:type=\"dxa\"/><w:left w:w=\"100\" w:type=\"dxa\"/>"
        "<w:bottom w:w=\"40\" w:type=\"dxa\"/><w:right w:w=\"100\" w:type=\"dxa\"/>"
        "</w:tblCellMar></w:tblPr><w:tblGrid>";
    for (int64_t w : width) body += "<w:gridCol w:w=\"" + std::to_string(w) + "\"/>";
    body += "</w:tblGrid>\n";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const bool header = r == 0;
      // The header row repeats on every page the table spans.
      body += header ? "<w:tr><w:trPr><w:tblHeader/></w:trPr>" : "<w:tr>";
      for (size_t c = 0; c < cols; ++c) {
        body += "<w:tc><w:tcPr><w:tcW w:w=\"" + std::to_string(width[c]) + "\" w:type=\"dxa\"/>";
        if (header) body += "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/>";
        body += "</w:tcPr>";
        static const md::Cell kEmpty;
        const md::Cell& spans = c < t.rows[r].size() ? t.rows[r][c] : kEmpty;
        std::string ppr = "<w:spacing w:after=\"0\"/>";
        if (t.align[c] == md::Block::Align::kLeft) ppr += "<w:jc w:val=\"left\"/>";
        if (t.align[c] == md::Block::Align::kCenter) ppr += "<w:jc w:val=\"center\"/>";
        if (t.align[c] == md::Block::Align::kRight) ppr += "<w:jc w:val=\"right\"/>";
        Paragraph("", spans, ppr, /*bold=*/header);  // the header row is bold
        body += "</w:tc>";
      }
      body += "</w:tr>\n";
    }
    // A paragraph after the table keeps it apart from a following one (Word would merge them).
    body += "</w:tbl>\n<w:p><w:pPr><w:spacing w:after=\"0\"/></w:pPr></w:p>\n";
  }

  void Image(const ExportImage& img) {
    int n = static_cast<int>(media.size()) + 1;
    std::string ext = ExtensionOf(img.mime);
    std::string part = "media/image" + std::to_string(n) + "." + ext;
    media.emplace_back("word/" + part, img.bytes);
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end())
      extensions.push_back(ext);
    std::string id = "rIdImg" + std::to_string(n);
    rels += "<Relationship Id=\"" + id + "\" Type=\"" + kRelImage + "\" Target=\"" + part + "\"/>";

    int64_t w = img.width > 0 ? img.width : 512, h = img.height > 0 ? img.height : 512;
    int64_t cx = w * kEmuPerPixel, cy = h * kEmuPerPixel;
    // The products go through 128 bits: an image's size comes from its metadata or its header,
    // up to 2^31 - 1 pixels a side, and cy * kMaxWidthEmu then passes 2^63 (found by fuzzing).
    // The quotients are below cy and cx, so they fit again.
    if (cx > kMaxWidthEmu) {
      cy = static_cast<int64_t>(static_cast<__int128>(cy) * kMaxWidthEmu / cx);
      cx = kMaxWidthEmu;
    }
    if (cy > kMaxHeightEmu) {
      cx = static_cast<int64_t>(static_cast<__int128>(cx) * kMaxHeightEmu / cy);
      cy = kMaxHeightEmu;
    }
    cx = std::max<int64_t>(cx, 1);
    cy = std::max<int64_t>(cy, 1);
    const std::string ext_attrs =
        "cx=\"" + std::to_string(cx) + "\" cy=\"" + std::to_string(cy) + "\"";
    const std::string name = md::EscapeMarkup(img.name);
    const std::string pid = std::to_string(n);
    body +=
        "<w:p><w:pPr><w:keepNext/><w:jc w:val=\"center\"/></w:pPr><w:r><w:drawing>"
        "<wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">"
        "<wp:extent " +
        ext_attrs +
        "/>"
        "<wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>"
        "<wp:docPr id=\"" +
        pid + "\" name=\"Picture " + pid + "\" descr=\"" + name +
        "\"/>"
        "<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>"
        "<a:graphic><a:graphicData "
        "uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">"
        "<pic:pic><pic:nvPicPr><pic:cNvPr id=\"" +
        pid + "\" name=\"" + name +
        "\"/><pic:cNvPicPr/></pic:nvPicPr>"
        "<pic:blipFill><a:blip r:embed=\"" +
        id +
        "\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
        "<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext " +
        ext_attrs +
        "/></a:xfrm>"
        "<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>"
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>\n";
    if (!img.name.empty()) PlainParagraph("Caption", img.name);
  }

 private:
  // One span as a run appended to `body`: newlines become <w:br/>, tabs <w:tab/>, carriage
  // returns are dropped; `bold` on top of the span's own style.
  void Run(const md::Span& s, bool bold) {
    body += "<w:r>";
    const bool link = !s.href.empty() && ExternalHref(s.href);
    if (link || s.code || s.bold || bold || s.italic) {
      body += "<w:rPr>";
      if (link) body += "<w:rStyle w:val=\"Hyperlink\"/>";
      if (s.code)
        body += "<w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/>";
      if (s.bold || bold) body += "<w:b/><w:bCs/>";
      if (s.italic) body += "<w:i/><w:iCs/>";
      body += "</w:rPr>";
    }
    const std::string_view text = s.text;
    size_t chunk = 0;  // where the text not yet written starts
    // Writes text[chunk, end) as a w:t, unless it is empty once carriage returns are dropped.
    auto flush = [&](size_t end) {
      const std::string_view piece = text.substr(chunk, end - chunk);
      chunk = end + 1;
      if (piece.find_first_not_of('\r') == std::string_view::npos) return;
      body += "<w:t xml:space=\"preserve\">";
      for (size_t at = 0; at < piece.size();) {
        const size_t cr = std::min(piece.find('\r', at), piece.size());
        md::AppendEscapedMarkup(&body, piece.substr(at, cr - at));
        at = cr + 1;
      }
      body += "</w:t>";
    };
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        flush(i);
        body += "<w:br/>";
      } else if (text[i] == '\t') {
        flush(i);
        body += "<w:tab/>";
      }
    }
    flush(text.size());
    body += "</w:r>";
  }

  int links_ = 0;
};

// Writes `parts` into an in-memory zip and returns its bytes.
Result<std::string> Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!src) {
    std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Err(Internal("docx: cannot create a zip buffer: " + msg));
  }
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &error);
  if (!za) {
    std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(src);
    return Err(Internal("docx: cannot open a zip buffer: " + msg));
  }
  zip_error_fini(&error);
  zip_source_keep(src);  // survive zip_close, which writes into it
  auto fail = [&](const std::string& what) {
    std::string msg = what + ": " + zip_strerror(za);
    zip_discard(za);
    zip_source_free(src);
    return Err(Internal("docx: " + msg));
  };
  for (const auto& [name, bytes] : parts) {
    zip_source_t* part = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    if (!part) return fail("cannot add " + name);
    zip_int64_t index = zip_file_add(za, name.c_str(), part, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(part);
      return fail("cannot add " + name);
    }
    // Images are compressed already; fixed times keep the bytes reproducible.
    bool media = name.rfind("word/media/", 0) == 0;
    if (zip_set_file_compression(za, static_cast<zip_uint64_t>(index),
                                 media ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) < 0 ||
        zip_file_set_mtime(za, static_cast<zip_uint64_t>(index), 946684800, 0) < 0)
      return fail("cannot set options of " + name);
  }
  if (zip_close(za) < 0) return fail("cannot write the archive");

  std::string out;
  if (zip_source_open(src) < 0) {
    zip_source_free(src);
    return Err(Internal("docx: cannot read the archive back"));
  }
  char buf[65536];
  for (;;) {
    zip_int64_t n = zip_source_read(src, buf, sizeof(buf));
    if (n < 0) {
      zip_source_close(src);
      zip_source_free(src);
      return Err(Internal("docx: cannot read the archive back"));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  zip_source_close(src);
  zip_source_free(src);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> DocxParts(const ExportDocument& doc) {
  DocumentBuilder b;
  if (!doc.title.empty()) b.PlainParagraph("Title", doc.title);
  for (const ExportSection& s : doc.sections) {
    if (!s.heading.empty()) b.PlainParagraph("Heading1", s.heading);
    b.Markdown(s.body);
    for (const ExportImage& img : s.images) b.Image(img);
  }

  static constexpr std::string_view kDocumentStart =
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "
      "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" "
      "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "
      "xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\n<w:body>\n";
  static constexpr std::string_view kDocumentEnd =
      "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" "
      "w:bottom=\"1440\" w:left=\"1440\" w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/>"
      "</w:sectPr>\n</w:body>\n</w:document>\n";
  std::string document;
  document.reserve(std::string_view(kXmlHeader).size() + kDocumentStart.size() + b.body.size() +
                   kDocumentEnd.size());
  document += kXmlHeader;
  document += kDocumentStart;
  document += b.body;
  document += kDocumentEnd;

  std::string types =
      std::string(kXmlHeader) +
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>";
  for (const std::string& ext : b.extensions) {
    std::string mime = ext == "svg"   ? "image/svg+xml"
                       : ext == "bin" ? "application/octet-stream"
                                      : "image/" + ext;
    types += "<Default Extension=\"" + ext + "\" ContentType=\"" + mime + "\"/>";
  }
  types +=
      "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
      "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
      "<Override PartName=\"/word/numbering.xml\" ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\"/>"
      "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/"
      "vnd.openxmlformats-package.core-properties+xml\"/></Types>\n";

  std::string package_rels =
      std::string(kXmlHeader) +
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
      "relationships/officeDocument\" Target=\"word/document.xml\"/>"
      "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/"
      "relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>\n";

  std::string document_rels =
      std::string(kXmlHeader) +
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
      "relationships/styles\" Target=\"styles.xml\"/>"
      "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
      "relationships/numbering\" Target=\"numbering.xml\"/>" +
      b.rels + "</Relationships>\n";

  std::string core =
      std::string(kXmlHeader) +
      "<cp:coreProperties "
      "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
      "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>" +
      md::EscapeMarkup(doc.title) +
      "</dc:title><dc:creator>Atelier</dc:creator></cp:coreProperties>\n";

  std::vector<std::pair<std::string, std::string>> parts = {
      {"[Content_Types].xml", std::move(types)},
      {"_rels/.rels", std::move(package_rels)},
      {"docProps/core.xml", std::move(core)},
      {"word/document.xml", std::move(document)},
      {"word/styles.xml", StylesXml()},
      {"word/numbering.xml", NumberingXml(b.nums)},
      {"word/_rels/document.xml.rels", std::move(document_rels)},
  };
  for (auto& m : b.media) parts.push_back(std::move(m));
  return parts;
}

Result<std::string> WriteDocx(const ExportDocument& doc) { return Zip(DocxParts(doc)); }

}  // namespace atelier
