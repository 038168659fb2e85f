#include <algorithm>

#include "store/sqlite_rows.h"

namespace sms::store {
namespace {

Result<int64_t> CountOne(Connection& conn, const std::string& sql,
                         const std::vector<std::string>& params) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  for (size_t i = 0; i < params.size(); ++i) st->Bind(static_cast<int>(i + 1), params[i]);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  int64_t n = st->Int(0);
  st->Reset();
  return n;
}

bool OnlyTagFilters(const ServerQuery& q) {
  return q.server_id.empty() && q.server_name.empty() && q.ipv4.empty() && q.q.empty() &&
         !q.status && !q.tags.empty();
}

}  // namespace

Result<TagPlan> PlanTags(Connection& conn, const ServerQuery& q) {
  TagPlan plan;
  if (q.tags.empty()) return plan;
  // Each count is one row of the trigger-kept tag_counts (migration 0007).
  size_t rarest = 0;
  for (size_t i = 0; i < q.tags.size(); ++i) {
    Result<int64_t> n = CountOne(
        conn, "SELECT coalesce(max(servers), 0) FROM tag_counts WHERE tag = ?1", {q.tags[i]});
    if (!n.ok()) return n.status();
    if (i == 0 || *n < plan.rarest) {
      plan.rarest = *n;
      rarest = i;
    }
  }
  Result<int64_t> fleet = CountOne(conn, "SELECT total FROM fleet_counts WHERE id = 1", {});
  if (!fleet.ok()) return fleet.status();
  // Gathering reads every tagged row and sorts them; probing walks the sort order and checks
  // each server until the page is full, about (offset + limit) * fleet / rarest probes. Take
  // the cheaper: either way at most ~sqrt((offset + limit) * fleet) rows are read.
  double page_end = static_cast<double>(q.offset + q.limit);
  double rare = static_cast<double>(plan.rarest);
  plan.probe = rare * rare > page_end * static_cast<double>(*fleet);
  if (!OnlyTagFilters(q)) return plan;
  if (q.tags.size() == 1) {
    plan.all = plan.rarest;
    return plan;
  }
  // The rarest tag's servers, each probed for the other tags.
  std::string sql = "SELECT count(*) FROM server_tags t WHERE t.tag = ?1";
  std::vector<std::string> params = {q.tags[rarest]};
  for (size_t i = 0; i < q.tags.size(); ++i) {
    if (i == rarest) continue;
    params.push_back(q.tags[i]);
    sql += " AND EXISTS (SELECT 1 FROM server_tags u WHERE u.tag = ?" +
           std::to_string(params.size()) + " AND u.server = t.server)";
  }
  Result<int64_t> all = CountOne(conn, sql, params);
  if (!all.ok()) return all.status();
  plan.all = *all;
  return plan;
}

}  // namespace sms::store
