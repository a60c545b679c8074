#include "node/roles.h"

#include <algorithm>

namespace enlace::node {
namespace {

bool Has(const v1::NodeUser& user, v1::NodePermission permission) {
  return std::find(user.permissions().begin(), user.permissions().end(), permission) !=
         user.permissions().end();
}

enum class Family { kReferral, kAlert, kRequest, kPublication, kMatrix, kNone };

Family FamilyOf(v1::MessageKind kind) {
  switch (kind) {
    case v1::KIND_VICTIM_REFERRAL:
    case v1::KIND_REFERRAL_STATUS:
      return Family::kReferral;
    case v1::KIND_SMUGGLING_ALERT:
    case v1::KIND_ALERT_FEEDBACK:
      return Family::kAlert;
    case v1::KIND_INFO_REQUEST:
    case v1::KIND_INFO_RESPONSE:
      return Family::kRequest;
    case v1::KIND_BULLETIN:
    case v1::KIND_DOCUMENT:
      return Family::kPublication;
    case v1::KIND_LEGISLATION_MATRIX_UPDATE:
      return Family::kMatrix;
    default:
      return Family::kNone;
  }
}

bool MayUse(const v1::NodeUser& user, v1::MessageKind kind, bool send) {
  Family family = FamilyOf(kind);
  if (family == Family::kNone) return false;
  switch (user.role()) {
    case v1::NODE_ROLE_FOCAL_POINT:
      return true;
    case v1::NODE_ROLE_CASE_WORKER:
      switch (family) {
        case Family::kReferral:
        case Family::kRequest:
          return true;
        case Family::kAlert:
          return Has(user, v1::NODE_PERMISSION_ALERTS);
        case Family::kPublication:
          return !send || Has(user, v1::NODE_PERMISSION_BULLETINS);
        default:
          return false;
      }
    case v1::NODE_ROLE_INVESTIGATOR:
      switch (family) {
        case Family::kAlert:
        case Family::kRequest:
          return true;
        case Family::kPublication:
          return !send || Has(user, v1::NODE_PERMISSION_BULLETINS);
        default:
          return false;
      }
    default:
      return false;
  }
}

}  // namespace

bool MaySend(const v1::NodeUser& user, v1::MessageKind kind) { return MayUse(user, kind, true); }
bool MayRead(const v1::NodeUser& user, v1::MessageKind kind) { return MayUse(user, kind, false); }

bool MayAdminister(const v1::NodeUser& user) { return user.role() == v1::NODE_ROLE_FOCAL_POINT; }

std::string RoleLabel(v1::NodeRole role, domain::Language language) {
  bool es = language == domain::Language::kSpanish;
  switch (role) {
    case v1::NODE_ROLE_FOCAL_POINT:
      return es ? "punto focal" : "focal point";
    case v1::NODE_ROLE_CASE_WORKER:
      return es ? "gestor/a de casos" : "case worker";
    case v1::NODE_ROLE_INVESTIGATOR:
      return es ? "investigador/a" : "investigator";
    default:
      return es ? "sin rol" : "no role";
  }
}

}  // namespace enlace::node
