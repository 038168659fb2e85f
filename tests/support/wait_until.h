#pragma once
// WaitUntil: for a test that checks an effect another thread or process brings about (a
// consumer, a server, a child process): it polls a condition until it holds or a deadline
// passes, so the test reads a result only once it is there, instead of sleeping and hoping.
// Header-only; any thread.

#include <chrono>
#include <functional>
#include <thread>

namespace sms::testing {

// Calls `done` every `every` until it returns true (then true) or `timeout` passes (then
// false). Assert on the result: ASSERT_TRUE(WaitUntil(...)).
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15),
                      std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

}  // namespace sms::testing
