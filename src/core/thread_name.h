#pragma once
// Names the calling thread, so that `top -H`, `ps -L`, perf and gdb tell smsd's threads apart
// (the HTTP I/O threads, the worker, the journal's writers, …). Linux keeps 15 bytes of it; a
// longer name is cut there. Best effort: a failure changes nothing else.

#include <pthread.h>

#include <string>

namespace sms {

inline void NameThisThread(const std::string& name) {
  std::string cut = name.substr(0, 15);
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace sms
