#include "atelier/app/cron.h"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <exception>
#include <optional>

namespace atelier {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr int kSearchYears = 400;  // the Gregorian calendar repeats every 400 years
// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch ms: the range Next accepts.
constexpr int64_t kMinMs = -62135596800000;
constexpr int64_t kMaxMs = 253402300800000;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
// The longest each month can be (Feb 29 happens in leap years).
constexpr std::array<unsigned, 13> kMaxDaysIn = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

struct FieldDef {
  const char* name;
  int min;
  int max;       // the largest value one may write (7 for day of week)
  int star_max;  // the top of '*' and of 'a/n' (6 for day of week)
  const std::array<std::string_view, 12>* month_names;
  const std::array<std::string_view, 7>* day_names;
};

constexpr std::array<FieldDef, 5> kFields = {{
    {"minute", 0, 59, 59, nullptr, nullptr},
    {"hour", 0, 23, 23, nullptr, nullptr},
    {"day of month", 1, 31, 31, nullptr, nullptr},
    {"month", 1, 12, 12, &kMonthNames, nullptr},
    {"day of week", 0, 7, 6, nullptr, &kDayNames},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// A non-negative decimal number, or nullopt (empty, a sign, other characters, too large).
std::optional<int> ParseNumber(std::string_view text) {
  int value = 0;
  if (text.empty() || text.size() > 9) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text[0] == '-') return std::nullopt;
  return value;
}

// One value of field `def`: a number in range or a name. Sets `error` on failure.
std::optional<int> ParseValue(const FieldDef& def, std::string_view text, std::string& error) {
  if (def.month_names != nullptr) {
    for (size_t i = 0; i < def.month_names->size(); ++i)
      if (EqualsIgnoreCase(text, (*def.month_names)[i])) return static_cast<int>(i) + 1;
  }
  if (def.day_names != nullptr) {
    for (size_t i = 0; i < def.day_names->size(); ++i)
      if (EqualsIgnoreCase(text, (*def.day_names)[i])) return static_cast<int>(i);
  }
  std::optional<int> n = ParseNumber(text);
  if (!n) {
    if (text.empty()) {
      error = "a value is missing";
    } else if (text.size() > 9 && text.find_first_not_of("0123456789") == std::string_view::npos) {
      error = std::string(text) + " is out of range " + std::to_string(def.min) + "-" +
              std::to_string(def.max);
    } else {
      error = "'" + std::string(text) + "' is not a number";
      if (def.month_names != nullptr) error += " or a month name (jan-dec)";
      if (def.day_names != nullptr) error += " or a day name (sun-sat)";
    }
    return std::nullopt;
  }
  if (*n < def.min || *n > def.max) {
    error = std::to_string(*n) + " is out of range " + std::to_string(def.min) + "-" +
            std::to_string(def.max);
    return std::nullopt;
  }
  return n;
}

// Parses one comma-separated item into `bits` (bit i = value i; 7 folds onto 0 for day of week).
template <size_t N>
bool ParseItem(const FieldDef& def, std::string_view item, std::bitset<N>& bits,
               std::string& error) {
  if (item.empty()) {
    error = "empty list item";
    return false;
  }
  std::vector<std::string_view> parts = Split(item, '/');
  if (parts.size() > 2) {
    error = "'" + std::string(item) + "' has more than one '/'";
    return false;
  }
  int step = 1;
  if (parts.size() == 2) {
    std::optional<int> s = ParseNumber(parts[1]);
    if (!s || *s < 1) {
      error = "step '" + std::string(parts[1]) + "' must be a whole number of at least 1";
      return false;
    }
    step = *s;
  }
  std::string_view base = parts[0];
  int lo = 0, hi = 0;
  if (base == "*") {
    lo = def.min;
    hi = def.star_max;
  } else if (size_t dash = base.find('-'); dash != std::string_view::npos) {
    std::optional<int> a = ParseValue(def, base.substr(0, dash), error);
    if (!a) return false;
    std::optional<int> b = ParseValue(def, base.substr(dash + 1), error);
    if (!b) return false;
    if (*a > *b) {
      error = "range " + std::string(base) + " goes backwards";
      return false;
    }
    lo = *a;
    hi = *b;
  } else {
    std::optional<int> a = ParseValue(def, base, error);
    if (!a) return false;
    lo = *a;
    hi = parts.size() == 2 ? std::max(*a, def.star_max) : *a;
  }
  for (int v = lo; v <= hi; v += step) bits.set(static_cast<size_t>(v % static_cast<int>(N)));
  return true;
}

template <size_t N>
std::optional<Status> ParseField(int index, std::string_view text, std::bitset<N>& bits) {
  const FieldDef& def = kFields[static_cast<size_t>(index)];
  std::string error;
  for (std::string_view item : Split(text, ',')) {
    if (!ParseItem(def, item, bits, error)) {
      return InvalidArgument("cron field " + std::to_string(index + 1) + " (" + def.name + ") '" +
                             std::string(text) + "': " + error);
    }
  }
  return std::nullopt;
}

std::string_view ExpandMacro(std::string_view macro) {
  struct Macro {
    std::string_view name, fields;
  };
  static constexpr std::array<Macro, 7> kMacros = {{{"@yearly", "0 0 1 1 *"},
                                                    {"@annually", "0 0 1 1 *"},
                                                    {"@monthly", "0 0 1 * *"},
                                                    {"@weekly", "0 0 * * 0"},
                                                    {"@daily", "0 0 * * *"},
                                                    {"@midnight", "0 0 * * *"},
                                                    {"@hourly", "0 * * * *"}}};
  for (const Macro& m : kMacros)
    if (EqualsIgnoreCase(macro, m.name)) return m.fields;
  return {};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<CronSpec> CronSpec::Parse(std::string_view expression, std::string_view time_zone) {
  CronSpec spec;
  spec.expression_ = std::string(expression);
  std::vector<std::string_view> fields = SplitWhitespace(expression);
  if (fields.size() == 1 && fields[0].substr(0, 1) == "@") {
    std::string_view expanded = ExpandMacro(fields[0]);
    if (expanded.empty())
      return Err(InvalidArgument("unknown cron macro '" + std::string(fields[0]) + "'"));
    fields = SplitWhitespace(expanded);
  }
  if (fields.size() != 5) {
    return Err(InvalidArgument("cron expression must have 5 fields, got " +
                               std::to_string(fields.size())));
  }
  std::optional<Status> error = ParseField(0, fields[0], spec.minutes_);
  if (!error) error = ParseField(1, fields[1], spec.hours_);
  if (!error) error = ParseField(2, fields[2], spec.days_of_month_);
  if (!error) error = ParseField(3, fields[3], spec.months_);
  if (!error) error = ParseField(4, fields[4], spec.days_of_week_);
  if (error) return Err(*std::move(error));
  spec.dom_star_ = fields[2][0] == '*';
  spec.dow_star_ = fields[4][0] == '*';

  // With the AND rule the day-of-month set must meet some allowed month. (With the OR rule the
  // day-of-week set alone picks days in every month.)
  if (spec.dom_star_ || spec.dow_star_) {
    bool any = false;
    for (unsigned m = 1; m <= 12 && !any; ++m) {
      if (!spec.months_[m]) continue;
      for (unsigned d = 1; d <= kMaxDaysIn[m] && !any; ++d) any = spec.days_of_month_[d];
    }
    if (!any) {
      return Err(InvalidArgument("cron expression '" + std::string(expression) +
                                 "' never fires: no allowed month (" + std::string(fields[3]) +
                                 ") has an allowed day of month (" + std::string(fields[2]) + ")"));
    }
  }

  spec.time_zone_ = time_zone.empty() ? "UTC" : std::string(time_zone);
  try {
    spec.tz_ = date::locate_zone(spec.time_zone_);
  } catch (const std::exception&) {
    spec.tz_ = nullptr;
  }
  if (spec.tz_ == nullptr)
    return Err(InvalidArgument("unknown time zone '" + std::string(time_zone) + "'"));
  return spec;
}

bool CronSpec::DayMatches(unsigned day, unsigned weekday) const {
  bool dom = days_of_month_[day];
  bool dow = days_of_week_[weekday];
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

int64_t CronSpec::NextLocalMinute(int64_t from) const {
  int64_t day_number = FloorDiv(from, 24 * 60);
  int minute_of_day = static_cast<int>(from - day_number * 24 * 60);
  date::local_days day{date::days{day_number}};
  const date::year limit = date::year_month_day{day}.year() + date::years{kSearchYears};
  for (;;) {
    date::year_month_day ymd{day};
    if (ymd.year() > limit) return kNever;
    if (!months_[static_cast<unsigned>(ymd.month())]) {  // skip the whole month
      date::year_month next = ymd.year() / ymd.month() + date::months{1};
      day = date::local_days{next / 1};
      minute_of_day = 0;
      continue;
    }
    if (DayMatches(static_cast<unsigned>(ymd.day()), date::weekday{day}.c_encoding())) {
      for (int h = minute_of_day / 60; h < 24; ++h) {
        if (!hours_[static_cast<size_t>(h)]) continue;
        int first = h == minute_of_day / 60 ? minute_of_day % 60 : 0;
        for (int m = first; m < 60; ++m) {
          if (minutes_[static_cast<size_t>(m)])
            return day.time_since_epoch().count() * 24 * 60 + h * 60 + m;
        }
      }
    }
    day += date::days{1};
    minute_of_day = 0;
  }
}

int64_t CronSpec::Next(int64_t after_ms) const {
  if (after_ms >= kMaxMs) return kNever;
  // Anything after the year 1 is after an earlier `after_ms` too.
  after_ms = std::max(after_ms, kMinMs);
  const date::sys_time<milliseconds> after{milliseconds{after_ms}};
  const auto local = tz_->to_local(after);
  // Local minutes up to the current one map (with choose::earliest) to instants <= after_ms.
  int64_t from = date::floor<minutes>(local).time_since_epoch().count() + 1;
  for (;;) {
    int64_t candidate = NextLocalMinute(from);
    if (candidate == kNever) return kNever;
    // Earliest: a repeated time maps to its first occurrence; a time in a gap to the gap's end.
    // The map is non-decreasing in local time, so the first candidate past `after_ms` is the
    // earliest fire time. Candidates can fall at or before it only while `after_ms` is in the
    // second pass of a repeated hour.
    const auto sys =
        tz_->to_sys(date::local_time<minutes>{minutes{candidate}}, date::choose::earliest);
    int64_t ms = std::chrono::duration_cast<milliseconds>(sys.time_since_epoch()).count();
    if (ms > after_ms) return ms;
    from = candidate + 1;
  }
}

std::vector<int64_t> NextFireTimes(const CronSpec& spec, int64_t after_ms, int n) {
  std::vector<int64_t> out;
  if (n <= 0) return out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    after_ms = spec.Next(after_ms);
    if (after_ms == CronSpec::kNever) break;
    out.push_back(after_ms);
  }
  return out;
}

}  // namespace atelier
