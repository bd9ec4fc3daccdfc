#include "output.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "atelier/app/describe.h"
#include "atelier/api/records_json.h"

namespace atelier {
namespace fs = std::filesystem;

namespace {

std::string TimeOfDay(int64_t ms) {
  std::string ts = FormatTimestamp(ms);
  return ts.size() >= 23 ? ts.substr(11, 12) : ts;
}

std::string StatusLine(const Progress& p) {
  std::ostringstream s;
  s << "stage " << p.stage << " of " << p.stages << "  " << std::fixed << std::setprecision(0)
    << p.percent << "%";
  if (!p.running.empty()) {
    s << "  running:";
    for (const auto& r : p.running) s << " " << r;
  }
  if (!p.waiting.empty()) {
    s << "  waiting:";
    for (const auto& w : p.waiting) s << " " << w;
  }
  return s.str();
}

std::string Describe(const Event& e) {
  std::ostringstream s;
  s << e.type;
  if (!e.step_id.empty()) s << " " << e.step_id;
  const Json& p = e.payload;
  if (e.type == "step_failed" && p.contains("error")) {
    s << ": " << p["error"].value("message", "");
    if (p.value("will_retry", false)) s << " (retry in " << p.value("retry_in_ms", 0) << " ms)";
  } else if (e.type == "step_succeeded" && p.contains("duration_ms")) {
    s << " (attempt " << p.value("attempt", 0) << ", " << p["duration_ms"] << " ms)";
  } else if (e.type == "approval_requested") {
    s << ": " << (p["message"].is_string() ? p["message"].get<std::string>() : p["message"].dump());
  } else if ((e.type == "milestone_reached" || e.type == "milestone_marked") &&
             p.contains("milestone")) {
    s << " " << p.value("milestone", "") << " (" << p.value("label", "") << ")";
    if (p.contains("by")) s << " by " << p.value("by", "");
    if (!p.value("note", "").empty()) s << ": " << p.value("note", "");
  } else if (p.contains("reason")) {
    s << ": " << p["reason"].get<std::string>();
  }
  return s.str();
}

bool Notable(const std::string& type) {
  return type != "step_started" && type != "step_succeeded";
}

std::string SafeName(std::string name) {
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '-';
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty() || name[0] == '.') name = "artifact" + name;
  return name;
}

// "milestone  Document ready (document_ready)" and "next       Submitted: mark 'submitted' ..."
// lines, when the template declares milestones.
void PrintMilestones(std::ostream& out, const Json& r, const char* indent) {
  if (!r.contains("milestones") || !r["milestones"].is_object()) return;
  const Json& m = r["milestones"];
  const Json& cur = m["current"];
  const std::string reached =
      cur.is_object()
          ? cur["label"].get<std::string>() + " (" + cur["id"].get<std::string>() + ")"
          : std::string("none reached yet");
  out << indent << "milestone  " << reached << "\n";
  const Json& next = m["next"];
  if (next.is_object())
    out << indent << "next       " << next["label"].get<std::string>() << ": "
        << next["action"].get<std::string>()
        << (m["can_proceed"].get<bool>() ? "" : " (cannot proceed)") << "\n";
}

}  // namespace

void ProgressPrinter::OnEvent(const Event& e, const Progress& p) {
  if (!tty_) {
    std::cerr << TimeOfDay(e.ts) << "  " << Describe(e) << "  [" << StatusLine(p) << "]\n";
    return;
  }
  if (Notable(e.type)) std::cerr << "\r\033[2K" << TimeOfDay(e.ts) << "  " << Describe(e) << "\n";
  std::cerr << "\r\033[2K" << StatusLine(p) << std::flush;
  line_open_ = true;
}

void ProgressPrinter::Finish() {
  if (line_open_) std::cerr << "\n";
  line_open_ = false;
}

Result<Json> WriteOutputs(App& app, const ExecutionRecord& rec, const std::string& dir) {
  auto report = DescribeExecution(app, App::kWorkspace, rec.id);
  if (!report) return Err(report.error());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Err(Internal("cannot create output folder '" + dir + "': " + ec.message()));
  Json files = Json::array();
  std::set<std::string> used;
  std::map<std::string, int> current;  // step -> its current version
  for (const auto& s : (*report)["steps"]) current[s["id"].get<std::string>()] = s["version"].get<int>();
  for (auto& a : (*report)["artifacts"]) {
    // Earlier versions stay listed in result.json; the folder holds what is current.
    if (a.value("step_version", 1) != current[a.value("step", "")]) continue;
    std::string name = SafeName(a.value("name", a.value("id", "artifact")));
    if (used.count(name)) {
      auto dot = name.rfind('.');
      std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
      std::string ext = dot == std::string::npos ? "" : name.substr(dot);
      for (int n = 2; used.count(name); ++n) name = stem + "-" + std::to_string(n) + ext;
    }
    used.insert(name);
    auto bytes = app.blobs().Get(a.value("sha256", ""));
    if (!bytes) return Err(bytes.error());
    fs::path path = fs::path(dir) / name;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out) return Err(Internal("cannot write '" + path.string() + "'"));
    a["file"] = path.string();
    files.push_back(path.string());
  }
  (*report)["out_dir"] = dir;
  fs::path result = fs::path(dir) / "result.json";
  files.push_back(result.string());
  (*report)["files"] = files;
  std::ofstream out(result);
  out << report->dump(2) << "\n";
  if (!out) return Err(Internal("cannot write '" + result.string() + "'"));
  return report;
}

void PrintSummary(std::ostream& out, const Json& r) {
  const Json& ex = r["execution"];
  const Json& p = r["progress"];
  out << ex["status"].get<std::string>() << " " << ex["id"].get<std::string>() << "  ("
      << r["template"]["name"].get<std::string>() << ", stage " << p["stage"] << " of "
      << p["stages"] << ", " << p["finished"] << "/" << p["total"] << " steps)\n";
  if (!ex["reason"].get<std::string>().empty())
    out << "  " << ex["reason"].get<std::string>() << "\n";
  PrintMilestones(out, r, "  ");
  for (const auto& f : r["files"]) out << "  wrote " << f.get<std::string>() << "\n";
}

void PrintShow(std::ostream& out, const Json& r) {
  const Json& ex = r["execution"];
  const Json& p = r["progress"];
  out << "execution  " << ex["id"].get<std::string>() << "\n"
      << "template   " << r["template"]["name"].get<std::string>() << " (v"
      << r["template"]["version"] << ")\n"
      << "status     " << ex["status"].get<std::string>();
  if (!ex["reason"].get<std::string>().empty()) out << " — " << ex["reason"].get<std::string>();
  out << "\nprogress   stage " << p["stage"] << " of " << p["stages"] << ", " << std::fixed
      << std::setprecision(0) << p["percent"].get<double>() << "%\n"
      << "created    " << ex["created_at"].get<std::string>() << "\n";
  if (ex.contains("forked_from"))
    out << "forked     from " << ex["forked_from"]["execution_id"].get<std::string>()
        << " at step '" << ex["forked_from"]["step"].get<std::string>() << "'\n";
  PrintMilestones(out, r, "");
  if (r.contains("totals")) {
    const Json& t = r["totals"];
    out << "usage      " << t["input_tokens"].get<int64_t>() << " tokens in, "
        << t["output_tokens"].get<int64_t>() << " out, " << t["images"].get<int64_t>()
        << " images, cost $" << std::setprecision(4) << t["cost"].get<double>()
        << std::setprecision(0) << "\n";
  }
  out << "\n";
  out << std::left << std::setw(22) << "STEP" << std::setw(16) << "TYPE" << std::setw(11)
      << "STATUS" << std::setw(9) << "ATTEMPTS" << std::setw(10) << "TIME" << "DETAIL\n";
  for (const auto& s : r["steps"]) {
    std::string time = s["duration_ms"].is_number() ? std::to_string(s["duration_ms"].get<int64_t>()) + "ms" : "";
    std::string detail;
    if (s["error"].is_object()) detail = s["error"].value("message", "");
    if (!s["artifacts"].empty()) {
      for (const auto& a : s["artifacts"]) detail += (detail.empty() ? "" : " ") + a.get<std::string>();
    }
    if (s.contains("retry_at")) detail += " (retry at " + s["retry_at"].get<std::string>() + ")";
    std::string id = s.contains("parent") ? "  " + s["id"].get<std::string>() : s["id"].get<std::string>();
    out << std::left << std::setw(22) << id << std::setw(16) << s["type"].get<std::string>()
        << std::setw(11) << s["status"].get<std::string>() << std::setw(9)
        << s["attempts"].get<int>() << std::setw(10) << time << detail << "\n";
  }
  if (r.contains("milestones") && !r["milestones"]["list"].empty()) {
    out << "\nmilestones\n";
    for (const auto& m : r["milestones"]["list"]) {
      std::string state = m["reached"].get<bool>()
                              ? "reached " + m["reached_at"].get<std::string>()
                              : (m["skipped"].get<bool>() ? "skipped" : "not yet");
      out << "  " << std::left << std::setw(20) << m["id"].get<std::string>() << std::setw(8)
          << (m["manual"].get<bool>() ? "manual" : "steps") << state;
      if (m["by"].is_string()) out << " by " << m["by"].get<std::string>();
      if (m["note"].is_string() && !m["note"].get<std::string>().empty())
        out << ": " << m["note"].get<std::string>();
      out << "\n";
    }
  }
  if (!r["artifacts"].empty()) {
    out << "\nartifacts\n";
    for (const auto& a : r["artifacts"])
      out << "  " << a["id"].get<std::string>() << "  " << a["step"].get<std::string>() << "  "
          << a["mime"].get<std::string>() << "  " << a["size"] << " bytes  "
          << a["name"].get<std::string>() << "\n";
  }
}

void PrintEstimate(std::ostream& out, const Json& e) {
  out << std::left << std::setw(20) << "STEP" << std::setw(16) << "TYPE" << std::setw(24)
      << "PROVIDER/MODEL" << std::setw(7) << "CALLS" << std::setw(10) << "TOKENS IN" << std::setw(11)
      << "TOKENS OUT" << std::setw(8) << "IMAGES" << std::setw(10) << "COST" << "NOTE\n";
  auto money = [](double v) {
    std::ostringstream s;
    s << "$" << std::fixed << std::setprecision(4) << v;
    return s.str();
  };
  for (const auto& s : e["steps"])
    out << std::left << std::setw(20) << s["id"].get<std::string>() << std::setw(16)
        << s["type"].get<std::string>() << std::setw(24)
        << (s["provider"].get<std::string>() + "/" + s["model"].get<std::string>())
        << std::setw(7) << s["calls"].get<int64_t>() << std::setw(10)
        << s["input_tokens"].get<int64_t>() << std::setw(11) << s["output_tokens"].get<int64_t>()
        << std::setw(8) << s["images"].get<int64_t>() << std::setw(10)
        << money(s["cost"].get<double>()) << s["note"].get<std::string>() << "\n";
  const Json& t = e["total"];
  out << std::left << std::setw(60) << "total" << std::setw(7) << t["calls"].get<int64_t>()
      << std::setw(10) << t["input_tokens"].get<int64_t>() << std::setw(11)
      << t["output_tokens"].get<int64_t>() << std::setw(8) << t["images"].get<int64_t>()
      << money(t["cost"].get<double>()) << "\n";
  for (const auto& a : e["assumptions"]) out << "assumes: " << a.get<std::string>() << "\n";
}

void PrintVersions(std::ostream& out, const std::vector<StepVersion>& versions, bool json) {
  if (json) {
    Json arr = Json::array();
    for (const auto& v : versions) arr.push_back(ToJson(v));
    out << arr.dump(2) << "\n";
    return;
  }
  out << std::left << std::setw(9) << "VERSION" << std::setw(26) << "CREATED" << std::setw(12)
      << "SOURCE" << "DETAIL\n";
  for (const auto& v : versions) {
    std::string detail;
    if (v.meta.contains("instruction")) detail = "\"" + v.meta["instruction"].get<std::string>() + "\"";
    if (v.meta.contains("reverted_to"))
      detail = "restores v" + std::to_string(v.meta["reverted_to"].get<int>());
    if (v.output.is_object() && v.output.contains("image") && v.output["image"].is_object())
      detail += (detail.empty() ? "" : "  ") + v.output["image"].value("name", "");
    else if (v.output.is_object() && v.output.contains("text") && v.output["text"].is_string()) {
      std::string text = v.output["text"].get<std::string>();
      auto nl = text.find('\n');
      detail += (detail.empty() ? "" : "  ") + text.substr(0, std::min<size_t>(nl, 60));
    }
    out << std::left << std::setw(9) << v.version << std::setw(26) << FormatTimestamp(v.created_at)
        << std::setw(12) << v.meta.value("source", "run") << detail << "\n";
  }
}

void PrintTemplates(const std::vector<TemplateRecord>& list, bool json) {
  if (json) {
    Json arr = Json::array();
    for (const auto& t : list)
      arr.push_back({{"id", t.id},
                     {"version", t.version},
                     {"name", t.name},
                     {"category", t.category},
                     {"builtin", t.builtin},
                     {"created_at", FormatTimestamp(t.created_at)}});
    std::cout << arr.dump(2) << "\n";
    return;
  }
  std::cout << std::left << std::setw(22) << "ID" << std::setw(9) << "VERSION" << std::setw(9)
            << "BUILTIN" << std::setw(16) << "CATEGORY" << "NAME\n";
  for (const auto& t : list)
    std::cout << std::left << std::setw(22) << t.id << std::setw(9) << t.version << std::setw(9)
              << (t.builtin ? "yes" : "") << std::setw(16) << t.category << t.name << "\n";
}

void PrintExecutions(App& app, const std::vector<ExecutionRecord>& list, bool json) {
  std::map<std::string, std::string> names;
  auto name_of = [&](const ExecutionRecord& e) {
    std::string key = e.template_id + "/" + std::to_string(e.template_version);
    auto it = names.find(key);
    if (it != names.end()) return it->second;
    auto t = app.store().GetTemplate(App::kWorkspace, e.template_id, e.template_version);
    return names[key] = t ? t->name : e.template_id;
  };
  if (json) {
    Json arr = Json::array();
    for (const auto& e : list) {
      Json j = ToJson(e);
      j["template_name"] = name_of(e);
      arr.push_back(std::move(j));
    }
    std::cout << arr.dump(2) << "\n";
    return;
  }
  std::cout << std::left << std::setw(30) << "ID" << std::setw(11) << "STATUS" << std::setw(26)
            << "CREATED" << "TEMPLATE\n";
  for (const auto& e : list)
    std::cout << std::left << std::setw(30) << e.id << std::setw(11) << ExecStatusName(e.status)
              << std::setw(26) << FormatTimestamp(e.created_at) << name_of(e) << "\n";
}

}  // namespace atelier
