// absl::Status <-> grpc::Status, the one place the two meet. The codes share values (both follow
// google.rpc.Code), so the conversion keeps code and message unchanged.
#ifndef ENLACE_NET_STATUS_H_
#define ENLACE_NET_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace enlace {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace enlace

#endif  // ENLACE_NET_STATUS_H_
