#include "history/search_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <utility>

namespace sms::history {
namespace {

constexpr size_t kMaxIdleHandles = 16;
constexpr size_t kReasonChars = 300;

// libcurl's process-wide setup, once; false when it failed (it never is undone).
bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Failures of the path to the node that a later try may not meet: retryable.
bool Transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// A request's header list, freed on every path out of Send().
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) {
    curl_slist* next = curl_slist_append(list, header.c_str());
    if (next != nullptr) list = next;
  }
};

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
  if (!GlobalInit()) return Status::Internal("curl_global_init failed");
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

SearchClient::~SearchClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* SearchClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void SearchClient::Release(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<SearchReply> SearchClient::Send(std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type,
                                       std::chrono::milliseconds timeout) {
  CURL* h = static_cast<CURL*>(Acquire());
  if (h == nullptr) return Status::Internal("curl_easy_init failed");
  // reset() keeps the handle's open connections, which is what the pool is for.
  curl_easy_reset(h);
  std::string url = base_ + std::string(path);
  std::string method_str(method);
  std::string body_str(body);
  SearchReply reply;
  char error[CURL_ERROR_SIZE] = {0};
  HeaderList headers;
  headers.Add("Expect:");  // no 100-continue round trip for large bulk bodies
  if (!body.empty()) headers.Add("Content-Type: " + std::string(content_type));
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we are threaded
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long(connect_timeout_.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  if (!body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body_str.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body_str.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  if (has_credentials_) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    curl_easy_setopt(h, CURLOPT_USERNAME, user_.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
  }
  CURLcode code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  // The error buffer must not outlive this frame inside a pooled handle.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  Release(h);
  if (code != CURLE_OK) {
    std::string what = error[0] != '\0' ? error : curl_easy_strerror(code);
    std::string msg = "search backend " + display_url_ + ": " + what;
    return Transient(code) ? Status::Unavailable(std::move(msg)) : Status::Internal(std::move(msg));
  }
  return reply;
}

Result<boost::json::value> SearchClient::Call(std::string_view method, std::string_view path,
                                              std::string_view body, std::string_view content_type,
                                              std::chrono::milliseconds timeout) {
  Result<SearchReply> reply = Send(method, path, body, content_type, timeout);
  if (!reply.ok()) return reply.status();
  long status = reply->status;
  if (status < 200 || status > 299) {
    std::string msg = "search backend " + display_url_ + ": " + std::string(method) + " " +
                      std::string(path.substr(0, path.find('?'))) + " -> HTTP " +
                      std::to_string(status) + ": " + SearchErrorReason(reply->body);
    if (status == 429 || status >= 500) return Status::Unavailable(std::move(msg));
    if (status == 404) return Status::NotFound(std::move(msg));
    return Status::Internal(std::move(msg));
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(reply->body, ec);
  if (ec) {
    return Status::Internal("search backend " + display_url_ +
                            ": a reply that is not JSON: " + reply->body.substr(0, kReasonChars));
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
