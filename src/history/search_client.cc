#include "history/search_client.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <utility>

#include "core/status_macros.h"

namespace sms::history {
namespace {

constexpr size_t kReasonChars = 300;

}  // namespace

std::string SearchErrorReason(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const boost::json::value* error = v.as_object().if_contains("error");
    if (error != nullptr && error->is_object()) {
      const boost::json::object& e = error->as_object();
      std::string out;
      if (const auto* t = e.if_contains("type"); t != nullptr && t->is_string())
        out = t->as_string();
      if (const auto* r = e.if_contains("reason"); r != nullptr && r->is_string()) {
        out += (out.empty() ? "" : ": ") + std::string(r->as_string());
      }
      if (!out.empty()) return out;
    }
    if (error != nullptr && error->is_string()) return std::string(error->as_string());
  }
  return std::string(body.substr(0, kReasonChars));
}

Result<std::unique_ptr<SearchClient>> SearchClient::Make(
    const std::string& url, std::chrono::milliseconds connect_timeout) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Status::InvalidArgument("the search URL does not parse", "search_url");
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "http" && u.scheme() != "https") {
    return Status::InvalidArgument(
        "unsupported search URL scheme: \"" + std::string(u.scheme()) + "\" (http or https)",
        "search_url");
  }
  if (u.encoded_host().empty()) {
    return Status::InvalidArgument("the search URL has no host", "search_url");
  }
  std::unique_ptr<SearchClient> c(new SearchClient());
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  c->base_ = std::string(u.scheme()) + "://" + std::string(u.encoded_host_and_port()) + path;
  c->display_url_ = c->base_;
  c->has_credentials_ = u.has_userinfo();
  if (c->has_credentials_) {
    c->user_ = u.user();
    c->password_ = u.password();
  }
  c->connect_timeout_ = connect_timeout;
  return c;
}

SearchClient::~SearchClient() = default;

Result<SearchReply> SearchClient::Send(std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type,
                                       std::chrono::milliseconds timeout) {
  http::ClientRequest request;
  request.method = std::string(method);
  request.url = base_ + std::string(path);
  request.body = body;
  if (!body.empty()) request.headers.push_back("Content-Type: " + std::string(content_type));
  request.timeout = timeout;
  request.connect_timeout = connect_timeout_;
  request.basic_auth = has_credentials_;
  request.user = user_;
  request.password = password_;
  Result<SearchReply> reply = client_.Send(request);
  if (!reply.ok()) {
    return Status(reply.status().code(),
                  "search backend " + display_url_ + ": " + reply.status().message());
  }
  return reply;
}

Result<boost::json::value> SearchClient::Call(std::string_view method, std::string_view path,
                                              std::string_view body, std::string_view content_type,
                                              std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(SearchReply reply, Send(method, path, body, content_type, timeout));
  long status = reply.status;
  if (status < 200 || status > 299) {
    std::string msg = "search backend " + display_url_ + ": " + std::string(method) + " " +
                      std::string(path.substr(0, path.find('?'))) + " -> HTTP " +
                      std::to_string(status) + ": " + SearchErrorReason(reply.body);
    if (status == 429 || status >= 500) return Status::Unavailable(std::move(msg));
    if (status == 404) return Status::NotFound(std::move(msg));
    return Status::Internal(std::move(msg));
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(reply.body, ec);
  if (ec) {
    return Status::Internal("search backend " + display_url_ +
                            ": a reply that is not JSON: " + reply.body.substr(0, kReasonChars));
  }
  return v;
}

Result<boost::json::value> SearchClient::Json(std::string_view method, std::string_view path,
                                              const boost::json::value& body,
                                              std::chrono::milliseconds timeout) {
  std::string text = body.is_null() ? std::string() : boost::json::serialize(body);
  return Call(method, path, text, "application/json", timeout);
}

}  // namespace sms::history
