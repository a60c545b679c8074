#include "net/status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace {
namespace {

TEST(StatusConversionTest, EveryCodeAndMessageRoundTrips) {
  for (int code = 0; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), code == 0 ? "" : "why");
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), code == 0 ? "" : "why");
    EXPECT_EQ(FromGrpcStatus(converted), status);
  }
}

TEST(StatusConversionTest, NamedCodesAgree) {
  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("revoked")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("no uri")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")),
            absl::UnavailableError("down"));
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace enlace
