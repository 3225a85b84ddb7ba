// Early-return helpers for absl::Status / absl::StatusOr, which the Debian
// Abseil (20220623) does not ship.
//
//   RETURN_IF_ERROR(file.Write(bytes));
//   ASSIGN_OR_RETURN(Image image, DecodeImage(bytes, Encoding::kPng, {}));
#ifndef TESSERA_COMMON_STATUS_MACROS_H_
#define TESSERA_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TESSERA_STATUS_CONCAT_INNER(a, b) a##b
#define TESSERA_STATUS_CONCAT(a, b) TESSERA_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status tessera_status_ = (expr);           \
    if (!tessera_status_.ok()) return tessera_status_; \
  } while (false)

#define TESSERA_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  TESSERA_ASSIGN_OR_RETURN_IMPL(    \
      TESSERA_STATUS_CONCAT(tessera_statusor_, __LINE__), lhs, expr)

#endif  // TESSERA_COMMON_STATUS_MACROS_H_
