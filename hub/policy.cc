#include "hub/policy.h"

namespace enlace::hub {
namespace {

bool IsPublication(v1::MessageKind kind) {
  return kind == v1::KIND_BULLETIN || kind == v1::KIND_DOCUMENT;
}

bool IsInformationExchange(v1::MessageKind kind) {
  return kind == v1::KIND_INFO_REQUEST || kind == v1::KIND_INFO_RESPONSE;
}

}  // namespace

bool MaySend(Role sender, v1::MessageKind kind) {
  if (kind == v1::KIND_UNSPECIFIED || !v1::MessageKind_IsValid(kind)) return false;
  switch (sender) {
    case Role::kNode:
      return true;
    case Role::kAdmin:
      return IsPublication(kind) || IsInformationExchange(kind);
    case Role::kObserver:
      return IsPublication(kind);
    case Role::kAuditor:
    case Role::kHub:
      return false;
  }
  return false;
}

bool MayReceive(Role recipient, v1::MessageKind kind) {
  if (kind == v1::KIND_UNSPECIFIED || !v1::MessageKind_IsValid(kind)) return false;
  switch (recipient) {
    case Role::kNode:
      return true;
    case Role::kAdmin:
      return IsPublication(kind) || IsInformationExchange(kind) ||
             kind == v1::KIND_LEGISLATION_MATRIX_UPDATE;
    case Role::kObserver:
      return IsPublication(kind);
    case Role::kAuditor:
    case Role::kHub:
      return false;
  }
  return false;
}

}  // namespace enlace::hub
