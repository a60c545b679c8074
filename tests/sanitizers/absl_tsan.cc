// ThreadSanitizer support for Debian's uninstrumented Abseil (linked into every executable of an
// ENLACE_SANITIZE=thread build, see cmake/EnlaceOptions.cmake).
//
// absl::Mutex, absl::CondVar and absl::Notification live in libabsl_synchronization.so, which
// Debian builds without -fsanitize=thread: their atomics and futex calls are invisible to TSan,
// so every access guarded by an absl::Mutex (ours and gRPC's, whose gpr_mu and grpc_core::Mutex
// are absl::Mutex) would be reported as a race. This file defines those member functions in the
// executable, which interposes them over the shared library's (calls from the library itself go
// through its PLT too): each one forwards to the real function (dlsym RTLD_NEXT) and tells TSan
// what it did with the same annotations Abseil uses when it is built with TSan
// (ABSL_TSAN_MUTEX_* in absl/synchronization/mutex.cc).
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define ENLACE_STR2(x) #x
#define ENLACE_STR(x) ENLACE_STR2(x)

// The shared library's definition of absl::<inline namespace>::<rest> (rest mangled, e.g.
// "5Mutex4LockEv"; "K" + rest for a const member), as a plain function taking `this` first.
template <typename Fn>
Fn Real(const char* rest) {
  const std::string ns = ENLACE_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const bool is_const = rest[0] == 'K';
  const std::string name = std::string(is_const ? "_ZNK4absl" : "_ZN4absl") +
                           std::to_string(ns.size()) + ns + (is_const ? rest + 1 : rest);
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "absl_tsan: %s not found in the shared Abseil\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

constexpr unsigned kRead = __tsan_mutex_read_lock;
constexpr unsigned kTry = __tsan_mutex_try_lock;
constexpr unsigned kTryFailed = __tsan_mutex_try_lock_failed;

// Await and CondVar::Wait release `mu` while waiting and hold it again on return. As in Abseil's
// own annotations, TSan ignores memory accesses between a pre_ and a post_ annotation: the
// conditions the real call evaluates (always with the mutex really held) are not seen as
// accesses after the release.
void ReleaseForWait(void* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __tsan_mutex_post_unlock(mu, 0);
  __tsan_mutex_pre_lock(mu, 0);
}
void ReacquireAfterWait(void* mu) { __tsan_mutex_post_lock(mu, 0, 0); }

}  // namespace

// TSan's defaults for every program of the build (TSAN_OPTIONS adds to or overrides them):
// - ignore_noninstrumented_modules: memcpy, free and the other interceptors called from inside
//   Debian's uninstrumented shared libraries (libstdc++, gRPC, protobuf, OpenSSL, RocksDB: see
//   the top-level CMakeLists.txt) check no memory access. Those libraries hand data between
//   threads with atomics TSan cannot see (RocksDB's group commit copies one thread's WriteBatch
//   in another), so their accesses would be reported as races; ours are all still checked;
// - the checked-in suppressions, each of which says why the report is not ours.
extern "C" const char* __tsan_default_options() {
  return "ignore_noninstrumented_modules=1 suppressions=" ENLACE_TSAN_SUPPRESSIONS
         " second_deadlock_stack=1 history_size=4";
}

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex4LockEv");
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex10ReaderLockEv");
  __tsan_mutex_pre_lock(this, kRead);
  real(this);
  __tsan_mutex_post_lock(this, kRead, 0);
}

bool Mutex::TryLock() {
  static const auto real = Real<bool (*)(Mutex*)>("5Mutex7TryLockEv");
  __tsan_mutex_pre_lock(this, kTry);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? kTry : kTry | kTryFailed, 0);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const auto real = Real<bool (*)(Mutex*)>("5Mutex13ReaderTryLockEv");
  __tsan_mutex_pre_lock(this, kRead | kTry);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? kRead | kTry : kRead | kTry | kTryFailed, 0);
  return locked;
}

void Mutex::Unlock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex6UnlockEv");
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex12ReaderUnlockEv");
  __tsan_mutex_pre_unlock(this, kRead);
  real(this);
  __tsan_mutex_post_unlock(this, kRead);
}

// ~Mutex is not wrapped: gRPC destroys its mutexes after handoffs through its own lock-free
// queues, which TSan cannot see, and freeing the memory already resets TSan's state for it.

// LockWhen* hold the mutex on return whatever they return. No *WithTimeout variant is wrapped
// (here or below): the library's call the *WithDeadline ones through its PLT, i.e. these
// wrappers, and annotating both would release the mutex twice.
void Mutex::LockWhen(const Condition& cond) {
  static const auto real =
      Real<void (*)(Mutex*, const Condition&)>("5Mutex8LockWhenERKNS0_9ConditionE");
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real =
      Real<void (*)(Mutex*, const Condition&)>("5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  __tsan_mutex_pre_lock(this, kRead);
  real(this, cond);
  __tsan_mutex_post_lock(this, kRead, 0);
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, absl::Time)>(
      "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  __tsan_mutex_pre_lock(this, 0);
  const bool met = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

// Await* are called with the mutex held, release it while waiting and hold it again on return.
void Mutex::Await(const Condition& cond) {
  static const auto real =
      Real<void (*)(Mutex*, const Condition&)>("5Mutex5AwaitERKNS0_9ConditionE");
  ReleaseForWait(this);
  real(this, cond);
  ReacquireAfterWait(this);
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, absl::Time)>(
      "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  ReleaseForWait(this);
  const bool met = real(this, cond, deadline);
  ReacquireAfterWait(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<void (*)(CondVar*, Mutex*)>("7CondVar4WaitEPNS0_5MutexE");
  ReleaseForWait(mu);
  real(this, mu);
  ReacquireAfterWait(mu);
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, absl::Time)>(
      "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  ReleaseForWait(mu);
  const bool timed_out = real(this, mu, deadline);
  ReacquireAfterWait(mu);
  return timed_out;
}

// Notify publishes (a release on the flag HasBeenNotified() loads with acquire, inline in the
// caller's instrumented code); the waits acquire once notified.
void Notification::Notify() {
  static const auto real = Real<void (*)(Notification*)>("12Notification6NotifyEv");
  __tsan_release(&notified_yet_);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real =
      Real<void (*)(const Notification*)>("K12Notification19WaitForNotificationEv");
  real(this);
  __tsan_acquire(const_cast<std::atomic<bool>*>(&notified_yet_));
}

bool Notification::WaitForNotificationWithTimeout(absl::Duration timeout) const {
  static const auto real = Real<bool (*)(const Notification*, absl::Duration)>(
      "K12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<std::atomic<bool>*>(&notified_yet_));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  static const auto real = Real<bool (*)(const Notification*, absl::Time)>(
      "K12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<std::atomic<bool>*>(&notified_yet_));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
