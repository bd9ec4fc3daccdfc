// CronSpec: a 5-field cron expression bound to an IANA time zone, and the calculator of its fire
// times. Schedules are written and matched in local (wall-clock) time of the zone; fire times are
// answered as Unix epoch milliseconds (UTC).
//
// Syntax (standard Vixie/POSIX cron), "MIN HOUR DOM MONTH DOW" separated by spaces or tabs:
//   - fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 (or jan-dec), day of week 0-7
//     (or sun-sat; 0 and 7 are both Sunday). Names are case-insensitive.
//   - each field is a comma list of items; an item is '*', a value 'a', a range 'a-b' (a <= b),
//     optionally followed by a step '/n' (n >= 1): '*/n', 'a-b/n', and 'a/n' (= a to the field's
//     maximum, step n; for day of week the maximum is 6, so '1/2' is mon,wed,fri).
//   - macros: @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *", @weekly = "0 0 * * 0",
//     @daily = @midnight = "0 0 * * *", @hourly = "0 * * * *".
//   - the classic day rule: when both day of month and day of week are restricted (neither field
//     starts with '*'), a day matches if EITHER matches ("0 0 13 * 5": the 13th and every Friday);
//     otherwise both must match (so "0 0 */2 * 1" is odd days that are Mondays).
//
// Daylight saving time, for local times that do not map to exactly one instant:
//   - a local time in a spring-forward gap (it does not exist) fires at the instant the gap ends:
//     a daily 02:30 job fires at 03:00 local on the day clocks jump 02:00 -> 03:00. Several gap
//     times (02:00, 02:30, ...) and the gap end itself merge into that one firing.
//   - a local time that occurs twice (fall-back) fires once, at its first occurrence; the repeated
//     hour is not fired again, so an hourly job skips the second 01:00 and stays strictly
//     increasing (and even "* * * * *" pauses for the second pass of the repeated hour).
//
// Never-fires rule: Parse refuses an expression that can never fire. With the AND day rule, some
// allowed month must contain some allowed day of month (Feb counts 29 days): "0 0 30 2 *" and
// "0 0 31 4,6,9,11 *" are refused, "0 0 29 2 *" is accepted (it fires in leap years). Every other
// accepted expression fires: each (month, day) pair that exists falls on every weekday within the
// 400-year Gregorian cycle, and Next searches that whole cycle (a Feb 29 that must be a Sunday can
// be 28 or more years away), skipping months that do not match and then days, hours and minutes.
//
// Thread-safety: a CronSpec is an immutable value after Parse; Next may be called from any thread
// at once (the time zone data is loaded once, under the date library's own lock).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/status.h"

namespace date {
class time_zone;
}  // namespace date

namespace atelier {

// A parsed 5-field cron expression in a time zone.
class CronSpec {
 public:
  // What Next answers when there is no fire time (only for `after_ms` beyond the year 9999).
  static constexpr int64_t kNever = INT64_MAX;

  // Parses `expression` (see the header comment for the syntax). `time_zone` is an IANA name
  // ("Europe/Paris", "UTC"); "" means UTC. Errors are InvalidArgument:
  //   "cron expression must have 5 fields, got 4", "unknown cron macro '@reboot'",
  //   "cron field 2 (hour) '25': 25 is out of range 0-23", "unknown time zone 'Mars/Base'",
  //   "cron expression '0 0 30 2 *' never fires: ..." (see the never-fires rule above).
  static Result<CronSpec> Parse(std::string_view expression, std::string_view time_zone);

  // The first fire time strictly after `after_ms` (UTC epoch ms). Fire times are whole minutes of
  // local time, except a time in a DST gap, which fires at the gap's end (see above). kNever when
  // `after_ms` lies beyond the year 9999; an `after_ms` before the year 1 counts as its start.
  int64_t Next(int64_t after_ms) const;

  // The expression as given to Parse (a macro stays a macro).
  const std::string& expression() const { return expression_; }
  // The zone's IANA name as given to Parse ("UTC" when Parse was given "").
  const std::string& time_zone() const { return time_zone_; }

 private:
  CronSpec() = default;

  // Whether a local day of an allowed month (day 1-31, weekday 0-6 with 0 = Sunday) matches.
  bool DayMatches(unsigned day, unsigned weekday) const;
  // The first matching local minute (minutes since the local epoch) at or after `from`, or
  // kNever when none is found within the 400-year cycle.
  int64_t NextLocalMinute(int64_t from) const;

  std::string expression_;
  std::string time_zone_;
  const date::time_zone* tz_ = nullptr;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bits 1-31
  std::bitset<13> months_;         // bits 1-12
  std::bitset<7> days_of_week_;    // bit 0 = Sunday
  bool dom_star_ = false;          // the day-of-month field starts with '*'
  bool dow_star_ = false;          // the day-of-week field starts with '*'
};

// The next `n` fire times of `spec` strictly after `after_ms`, increasing (fewer only when Next
// answers kNever; none when n <= 0).
std::vector<int64_t> NextFireTimes(const CronSpec& spec, int64_t after_ms, int n);

}  // namespace atelier
