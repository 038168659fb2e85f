#pragma once
// Keyset paging of Store::ListServers, the rules every SQL store shares so they cannot drift
// apart: what a cursor holds, how it is written and read back, which way a store walks its
// sort index from it, and how the rows it fetched become a page with `next` and `prev`.
// Pure functions.
//
// A cursor is base64url (no padding) of compact JSON: the sort field and order, a fingerprint
// of the filters, the side ("a": rows after the position, "b": rows before it) and the
// position itself, the sort value and row id of a row. Clients treat it as opaque.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// The value a list sorts on: a number (ipv4 as its 32-bit value, -1 when empty; status 0 off,
// 1 on; times in milliseconds) or a text (server_id, server_name, hostname). Never NULL: every
// sortable column is NOT NULL, unknowns are -1, 0 or ''.
using SortValue = std::variant<int64_t, std::string>;

// A position between rows: just after (or before) the row with this sort value and row id,
// in the order (sort value, id), both ascending or both descending.
struct ListCursor {
  bool before = false;  // the page is the rows before the position (a `prev` cursor)
  SortValue key;
  int64_t id = 0;
};

// How a store fetches a page: rows whose (sort value, id) compares `op` ("<" or ">") with the
// cursor's, ordered `descending` or not by (sort value, id), at most `fetch` rows. `op` is
// empty without a cursor (the page starts at the query's offset).
struct KeysetWalk {
  const char* op = "";
  bool descending = false;
  int fetch = 0;  // query.limit + 1: one more row tells whether the walk goes on
};

// The value `server` sorts on under the whitelisted field `sort`.
SortValue SortValueOf(const Server& server, std::string_view sort);

// The cursor query.cursor names; nullopt when it is empty. InvalidArgument (field "cursor")
// when it is not a cursor, was made for another sort, order or set of filters, or comes with
// an offset. REQUIRES: query.sort whitelisted.
Result<std::optional<ListCursor>> DecodeCursor(const ServerQuery& query);

// The cursor text for `position` under `query`'s sort, order and filters.
std::string EncodeCursor(const ServerQuery& query, const ListCursor& position);

// The walk that fetches the page of `query` at `cursor`.
KeysetWalk PlanWalk(const ServerQuery& query, const std::optional<ListCursor>& cursor);

// Turns the rows fetched by PlanWalk (in fetched order) into the page's items in the query's
// order and sets page.next / page.prev: empty at the ends of the list. REQUIRES: `rows` are
// what PlanWalk(query, cursor) fetched.
void FinishPage(const ServerQuery& query, const std::optional<ListCursor>& cursor,
                std::vector<Server> rows, ServerPage& page);

}  // namespace sms::store
