#include "report/render.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/heartbeat.h"
#include "core/time.h"
#include "xlsx/writer.h"

namespace sms::report {
namespace {

std::string Span(const Report& r) {
  std::string first = FormatDay(r.window.first), last = FormatDay(r.window.last);
  return (first == last ? first : first + " to " + last) + " (" + r.window.tz + ")";
}

std::string Html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The window's average, or "no data" when no server was measured in it (as /stats says null):
// 0 % would read as a fleet that was down the whole time.
std::string Average(const Report& r) {
  return r.measured > 0 ? Percent(r.average_uptime) : "no data";
}

std::string Measured(const Report& r) {
  return r.measured > 0 ? std::to_string(r.measured) + " servers measured"
                        : "no server was measured in the window";
}

std::string Name(const ServerLine& s) {
  return s.server_name == s.server_id ? s.server_id : s.server_name + " (" + s.server_id + ")";
}

}  // namespace

std::string Percent(double uptime) {
  double p = std::floor(uptime * 100'000.0) / 1000.0;  // truncated: 99.9999 % is not 100 %
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f %%", p);
  return buf;
}

std::string Duration(double seconds) {
  int64_t s = int64_t(std::llround(std::max(0.0, seconds)));
  int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  char buf[64];
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm %02llds", (long long)d, (long long)h,
                  (long long)m, (long long)s);
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", (long long)h, (long long)m,
                  (long long)s);
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", (long long)m, (long long)s);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  }
  return buf;
}

std::string Subject(const Report& r) {
  std::string average = r.measured > 0 ? Average(r) + " average" : Average(r);
  return "SMS uptime report " + Span(r) + ": " + average + ", " + std::to_string(r.off) + " off";
}

// Every uptime a report shows comes from a history that leaves maintenance out
// (maintenance/maintenance_history.h).
constexpr const char* kMaintenanceNote =
    "Maintenance windows are excluded: time a server spends in one counts neither as up nor "
    "as part of its window.";

std::string RenderText(const Report& r) {
  std::ostringstream o;
  o << "SMS uptime report\n\n"
    << "Window: " << Span(r) << "\n"
    << "Generated: " << FormatTime(r.generated_at) << "\n\n"
    << "Servers now: " << r.total << " (" << r.on << " on, " << r.off << " off)\n"
    << "Average uptime over the window: " << Average(r) << " (" << Measured(r) << ")\n"
    << kMaintenanceNote << "\n\n";
  o << "Below " << Percent(kUptimeThreshold) << ": " << r.below_total << " servers";
  if (r.below_total > int64_t(r.below.size())) o << " (the worst " << r.below.size() << ")";
  o << "\n";
  for (size_t i : r.below) {
    const ServerLine& s = r.servers[i];
    o << "  " << Name(s) << "  " << Percent(s.uptime) << "  down " << Duration(s.downtime_seconds)
      << "  now " << StatusName(s.status) << "\n";
  }
  o << "\nChanged state in the window: " << r.changed.size() << " servers\n";
  for (size_t i : r.changed) {
    const ServerLine& s = r.servers[i];
    o << "  " << Name(s) << "  " << s.transitions << " transitions  now " << StatusName(s.status)
      << "\n";
  }
  o << "\nEvery server is in the attached workbook.\n";
  return o.str();
}

std::string RenderHtml(const Report& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">"
    << "<h2>SMS uptime report</h2>"
    << "<p>Window: " << Html(Span(r)) << "<br>Generated: " << Html(FormatTime(r.generated_at))
    << "</p><p>Servers now: <b>" << r.total << "</b> (" << r.on << " on, " << r.off
    << " off)<br>Average uptime over the window: <b>" << Html(Average(r)) << "</b> ("
    << Html(Measured(r)) << ")<br>" << Html(kMaintenanceNote) << "</p>";
  o << "<h3>Below " << Html(Percent(kUptimeThreshold)) << ": " << r.below_total << " servers";
  if (r.below_total > int64_t(r.below.size())) o << " (the worst " << r.below.size() << ")";
  o << "</h3>";
  if (!r.below.empty()) {
    o << "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>server</th>"
      << "<th>uptime</th><th>down</th><th>now</th></tr>";
    for (size_t i : r.below) {
      const ServerLine& s = r.servers[i];
      o << "<tr><td>" << Html(Name(s)) << "</td><td>" << Html(Percent(s.uptime)) << "</td><td>"
        << Html(Duration(s.downtime_seconds)) << "</td><td>" << StatusName(s.status)
        << "</td></tr>";
    }
    o << "</table>";
  }
  o << "<h3>Changed state in the window: " << r.changed.size() << " servers</h3>";
  if (!r.changed.empty()) {
    o << "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>server</th>"
      << "<th>transitions</th><th>now</th></tr>";
    for (size_t i : r.changed) {
      const ServerLine& s = r.servers[i];
      o << "<tr><td>" << Html(Name(s)) << "</td><td>" << s.transitions << "</td><td>"
        << StatusName(s.status) << "</td></tr>";
    }
    o << "</table>";
  }
  o << "<p>Every server is in the attached workbook.</p></body></html>";
  return o.str();
}

Result<std::string> RenderXlsx(const Report& r, const std::string& tmpdir) {
  namespace fs = std::filesystem;
  fs::path dir = tmpdir.empty() ? fs::temp_directory_path() : fs::path(tmpdir);
  fs::path path = dir / ("sms-report-" + NewHeartbeatId() + ".xlsx");
  xlsx::WriterOptions options;
  options.sheet_name = "Uptime";
  auto writer = xlsx::Writer::Create(path.string(), options);
  if (!writer.ok()) return writer.status();
  xlsx::Writer& w = **writer;
  Status s = w.Header({"server_id", "server_name", "ipv4", "status", "uptime %", "downtime (s)",
                       "transitions"},
                      {24, 28, 16, 8, 10, 14, 12});
  for (const ServerLine& line : r.servers) {
    if (!s.ok()) break;
    s = w.String(0, line.server_id);
    if (s.ok()) s = w.String(1, line.server_name);
    if (s.ok()) s = w.String(2, line.ipv4);
    if (s.ok()) s = w.String(3, StatusName(line.status));
    if (s.ok() && line.measured) s = w.Number(4, std::floor(line.uptime * 100'000.0) / 1000.0);
    if (s.ok() && line.measured) s = w.Number(5, std::round(line.downtime_seconds));
    if (s.ok()) s = w.Number(6, double(line.transitions));
    w.NextRow();
  }
  if (s.ok()) s = w.Finish();
  if (!s.ok()) return s;
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::error_code ec;
  fs::remove(path, ec);
  if (bytes.empty()) return Status::Internal("the report workbook could not be read back");
  return bytes;
}

Result<mail::MailJob> ReportJob(const Report& r, const std::string& job_id,
                                const std::vector<std::string>& emails,
                                const std::string& tmpdir) {
  auto workbook = RenderXlsx(r, tmpdir);
  if (!workbook.ok()) return workbook.status();
  mail::MailJob job;
  job.id = job_id;
  job.to = emails;
  job.subject = Subject(r);
  job.text = RenderText(r);
  job.html = RenderHtml(r);
  job.attachments.push_back(mail::Attachment{
      "uptime-" + FormatDay(r.window.first) + "_" + FormatDay(r.window.last) + ".xlsx", kXlsxType,
      std::move(workbook).value()});
  return job;
}

}  // namespace sms::report
