// Status propagation helpers that Debian's Abseil 20220623 does not ship.
//
//   RETURN_IF_ERROR(DoSomething());
//   ASSIGN_OR_RETURN(Bytes key, LoadKey(path));
//
// Both evaluate their argument once and return the (unchanged) error status to the caller.
#ifndef ENLACE_BASE_STATUS_MACROS_H_
#define ENLACE_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ENLACE_STATUS_CONCAT_INNER(a, b) a##b
#define ENLACE_STATUS_CONCAT(a, b) ENLACE_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status enlace_status_ = (expr);          \
    if (!enlace_status_.ok()) return enlace_status_; \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ENLACE_ASSIGN_OR_RETURN_IMPL(ENLACE_STATUS_CONCAT(enlace_statusor_, __LINE__), lhs, expr)

#define ENLACE_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // ENLACE_BASE_STATUS_MACROS_H_
