#include "http/client.h"

#include <curl/curl.h>

#include <algorithm>

namespace sms::http {
namespace {

// libcurl's process-wide setup, once; false when it failed (it never is undone).
bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

struct Sink {
  std::string* body;
  size_t limit;
};

// Keeps the start of the body up to the limit; the rest is read and dropped.
size_t KeepStart(char* data, size_t size, size_t count, void* out) {
  auto* sink = static_cast<Sink*>(out);
  size_t n = size * count;
  size_t room = sink->limit - std::min(sink->limit, sink->body->size());
  sink->body->append(data, std::min(n, room));
  return n;
}

// Failures of the path to the server that a later try may not meet: retryable.
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

// A curl string list, freed on every path out of Send().
struct CurlList {
  curl_slist* list = nullptr;
  ~CurlList() { curl_slist_free_all(list); }
  void Add(const std::string& item) {
    curl_slist* next = curl_slist_append(list, item.c_str());
    if (next != nullptr) list = next;
  }
};

void SetOptions(CURL* h, const ClientRequest& req, CurlList& headers, CurlList& resolve) {
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we are threaded
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, long(req.timeout.count()));
  if (req.connect_timeout.count() > 0) {
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long(req.connect_timeout.count()));
  }
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (!req.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(req.body.size()));
  }
  headers.Add("Expect:");  // no 100-continue round trip for large bodies
  for (const std::string& header : req.headers) headers.Add(header);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  if (!req.resolve.empty()) {
    resolve.Add(req.resolve);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.list);
  }
  if (req.basic_auth) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    curl_easy_setopt(h, CURLOPT_USERNAME, req.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, req.password.c_str());
  }
  if (req.no_proxy) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
}

}  // namespace

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return GlobalInit() ? curl_easy_init() : nullptr;
}

void HttpClient::Release(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<ClientReply> HttpClient::Send(const ClientRequest& request) {
  CURL* h = static_cast<CURL*>(Acquire());
  if (h == nullptr) return Status::Internal("cannot set up libcurl");
  // reset() keeps the handle's open connections, which is what the idle handles are for.
  curl_easy_reset(h);
  ClientReply reply;
  Sink sink{&reply.body, request.max_reply_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  CurlList headers, resolve;
  SetOptions(h, request, headers, resolve);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, KeepStart);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  // Nothing of this frame may stay in an idle handle.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_RESOLVE, nullptr);
  Release(h);
  if (code != CURLE_OK) {
    std::string what = error[0] != '\0' ? error : curl_easy_strerror(code);
    return Transient(code) ? Status::Unavailable(std::move(what))
                           : Status::Internal(std::move(what));
  }
  return reply;
}

}  // namespace sms::http
