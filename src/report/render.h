#pragma once
// A Report as a mail: a text body and an HTML body that say the same (window, fleet now,
// average uptime, the worst servers below 99 %, the servers that changed state), and an .xlsx
// attachment with one row per server. Stateless; thread-safe.

#include <string>
#include <vector>

#include "core/status.h"
#include "mail/job.h"
#include "report/report.h"

namespace sms::report {

inline constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

std::string Subject(const Report& report);
std::string RenderText(const Report& report);
std::string RenderHtml(const Report& report);

// The workbook bytes: header server_id, server_name, ipv4, status, uptime %, downtime (s),
// transitions; one row per server; uptime and downtime as numbers (blank when not measured).
// Temporary files go to `tmpdir` (the system's when empty). Internal on a write failure.
Result<std::string> RenderXlsx(const Report& report, const std::string& tmpdir);

// The mail job of a report: id `job_id`, to `emails`, both bodies and the workbook attached
// as uptime-<first>_<last>.xlsx.
Result<mail::MailJob> ReportJob(const Report& report, const std::string& job_id,
                                const std::vector<std::string>& emails, const std::string& tmpdir);

// "99.953 %" (three decimals, never rounded up to 100 when below it).
std::string Percent(double uptime);
// "2d 03h 04m 05s", "04m 05s", "0s".
std::string Duration(double seconds);

}  // namespace sms::report
