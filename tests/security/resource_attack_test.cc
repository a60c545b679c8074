// Resource exhaustion and malformed input against a real hub over mutual TLS on 127.0.0.1:
// oversized envelopes and requests, huge fields, 10 000 recipients, deep protobuf nesting, lying
// streams, too many streams and a submission flood. Each asserts the exact gRPC code, that the
// hub kept nothing (only its REJECTED entry, where it logs the refusal), and that it still
// serves afterwards.
#include <grpcpp/generic/generic_stub.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "crypto/envelope.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/security/attack_support.h"
#include "tests/testing/status_matchers.h"

namespace enlace::security_testing {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class ResourceAttackTest : public HubAttackTest {
 protected:
  // The hub still takes an ordinary envelope (after an attack).
  void ExpectStillServing() { EXPECT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status()); }

  // An envelope whose header lists `count` recipients (ids of `id_size` bytes) with a wrap
  // each, the wraps copied from a genuine one: structure is all the hub needs to refuse it.
  v1::Envelope ManyRecipients(int count, size_t id_size) {
    const v1::Envelope genuine = Seal("node/MX", {"node/GT"});
    v1::Envelope envelope = WithHeader(genuine, [&](v1::Header& h) {
      h.clear_recipient_ids();
      for (int i = 0; i < count; ++i) {
        std::string id = absl::StrCat("node/", i);
        id.resize(std::max(id.size(), id_size), 'X');
        h.add_recipient_ids(id);
      }
    });
    v1::Header header;
    EXPECT_TRUE(header.ParseFromString(envelope.header()));
    envelope.clear_wraps();
    for (const std::string& id : header.recipient_ids()) {
      v1::RecipientWrap* wrap = envelope.add_wraps();
      *wrap = genuine.wraps(0);
      wrap->set_recipient_id(id);
    }
    return envelope;
  }

  // SubmitStream as Mexico: `head`, then `payload` in pieces of at most 1 MiB.
  absl::Status SubmitStream(const v1::EnvelopeHead& head, absl::string_view payload) {
    v1::Exchange::Stub stub(Channel("node/MX"));
    grpc::ClientContext context;
    v1::SubmitResponse response;
    auto writer = stub.SubmitStream(&context, &response);
    v1::SubmitStreamRequest first;
    *first.mutable_head() = head;
    bool open = writer->Write(first);
    for (size_t at = 0; open && at < payload.size(); at += 1 << 20) {
      v1::SubmitStreamRequest piece;
      piece.set_payload_chunk(std::string(payload.substr(at, 1 << 20)));
      open = writer->Write(piece);
    }
    writer->WritesDone();
    return FromGrpcStatus(writer->Finish());
  }

  static v1::EnvelopeHead HeadOf(const v1::Envelope& envelope) {
    v1::EnvelopeHead head;
    head.set_header(envelope.header());
    *head.mutable_wraps() = envelope.wraps();
    head.set_signature(envelope.signature());
    head.set_payload_size(envelope.payload().size());
    return head;
  }
};

TEST_F(ResourceAttackTest, OversizedEnvelopeIsRefusedBeforeParsing) {
  limits_.max_envelope_bytes = 64 << 10;
  Start();
  ASSERT_OK_AND_ASSIGN(v1::Envelope big, net_->Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT,
                                                    std::string(70000, 'x'), clock_->Now()));
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", big),
              StatusIs(Code::kResourceExhausted, HasSubstr("use SubmitStream")));
  ExpectOnlyRejected(before, "too_large");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, RequestBeyondTheTransportLimitIsRefused) {
  Start();  // Submit takes 4 MiB; gRPC refuses a message over 4 MiB + 64 KiB before the hub
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", std::string(6 << 20, '\x0a')),
              StatusIs(Code::kResourceExhausted, _));
  ExpectNothingKept(before);
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, OneMegabyteThreadIdIsRefused) {
  Start();
  const v1::Envelope forged = WithHeader(Seal("node/MX", {"node/GT"}), [](v1::Header& h) {
    h.set_thread_id(std::string(1 << 20, 't'));
  });
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", forged), StatusIs(Code::kInvalidArgument, HasSubstr("header")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, HugeRecipientIdIsRefused) {
  Start();
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", ManyRecipients(1, 100000)),
              StatusIs(Code::kInvalidArgument, HasSubstr("must be 1..4096 bytes")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, TenThousandRecipientsAreRefused) {
  Start();
  const v1::Envelope envelope = ManyRecipients(10000, 0);
  ASSERT_GT(envelope.ByteSizeLong(), 1000000u);
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", envelope),
              StatusIs(Code::kInvalidArgument, HasSubstr("must be 1..4096 bytes")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, SixtyFiveRecipientsAreRefused) {
  Start();
  // Short ids: the header stays under 4096 bytes, so the recipient limit itself must refuse.
  const v1::Envelope envelope = ManyRecipients(65, 0);
  ASSERT_LT(envelope.header().size(), 4096u);
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", envelope),
              StatusIs(Code::kInvalidArgument, HasSubstr("must list 1..64 recipients")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, TenThousandWrapsInAStreamedHeadAreRefusedBeforeAnyPayload) {
  Start();
  const v1::Envelope envelope = ManyRecipients(10000, 0);
  const HubState before = State();
  EXPECT_THAT(SubmitStream(HeadOf(envelope), ""),
              StatusIs(Code::kInvalidArgument, HasSubstr("must be 1..4096 bytes")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, StreamAnnouncingAHugePayloadIsRefusedBeforeAnyPayload) {
  Start();
  v1::EnvelopeHead head = HeadOf(Seal("node/MX", {"node/GT"}));
  head.set_payload_size(uint64_t{1} << 40);  // 1 TiB
  const HubState before = State();
  EXPECT_THAT(SubmitStream(head, ""), StatusIs(Code::kInvalidArgument, HasSubstr("the limit is")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, StreamSendingMoreThanItAnnouncedIsRefused) {
  Start();
  const v1::Envelope envelope = Seal("node/MX", {"node/GT"});
  const HubState before = State();
  EXPECT_THAT(SubmitStream(HeadOf(envelope), envelope.payload() + std::string(3 << 20, 'x')),
              StatusIs(Code::kInvalidArgument, HasSubstr("longer than the announced")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, StreamWithoutAHeadOrWithTwoIsRefused) {
  Start();
  const v1::Envelope envelope = Seal("node/MX", {"node/GT"});
  const HubState before = State();
  v1::Exchange::Stub stub(Channel("node/MX"));
  {  // payload first
    grpc::ClientContext context;
    v1::SubmitResponse response;
    auto writer = stub.SubmitStream(&context, &response);
    v1::SubmitStreamRequest piece;
    piece.set_payload_chunk(envelope.payload());
    writer->Write(piece);
    writer->WritesDone();
    EXPECT_THAT(FromGrpcStatus(writer->Finish()),
                StatusIs(Code::kInvalidArgument, HasSubstr("must carry the EnvelopeHead")));
  }
  {  // a second head after the first: the upload is abandoned and its chunks deleted
    grpc::ClientContext context;
    v1::SubmitResponse response;
    auto writer = stub.SubmitStream(&context, &response);
    v1::SubmitStreamRequest head;
    *head.mutable_head() = HeadOf(envelope);
    writer->Write(head);
    writer->Write(head);
    writer->WritesDone();
    EXPECT_THAT(FromGrpcStatus(writer->Finish()),
                StatusIs(Code::kInvalidArgument, HasSubstr("payload chunks only")));
  }
  ExpectNothingKept(before);  // framing errors name no envelope: nothing to log
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, StreamPieceOverTheTransportLimitIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, net_->Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT,
                                                         std::string(6 << 20, 'p'), clock_->Now()));
  v1::Exchange::Stub stub(Channel("node/MX"));
  grpc::ClientContext context;
  v1::SubmitResponse response;
  auto writer = stub.SubmitStream(&context, &response);
  v1::SubmitStreamRequest head;
  *head.mutable_head() = HeadOf(envelope);
  ASSERT_TRUE(writer->Write(head));
  v1::SubmitStreamRequest piece;  // the whole 6 MiB payload as one piece (at most 4 MiB)
  piece.set_payload_chunk(envelope.payload());
  writer->Write(piece);
  writer->WritesDone();
  EXPECT_THAT(FromGrpcStatus(writer->Finish()), StatusIs(Code::kResourceExhausted, _));
  const HubState after = State();
  EXPECT_EQ(after.submitted, 0u);
  EXPECT_EQ(after.mailbox_entries, 0u);
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, DeeplyNestedEnvelopeIsRefused) {
  Start();
  // A genuine envelope followed by 100 000 nested groups of an unknown field.
  const std::string bytes = Seal("node/MX", {"node/GT"}).SerializeAsString() + NestedGroups(100000);
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", bytes),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a valid Envelope")));
  ExpectOnlyRejected(before, "malformed_envelope");
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, DeeplyNestedRequestIsRefusedByTheTransport) {
  Start();
  // A SubmitRequest (sent as raw bytes) whose unknown field 15 nests 100 000 groups deep.
  v1::SubmitRequest request;
  request.set_envelope(Seal("node/MX", {"node/GT"}).SerializeAsString());
  const std::string bytes = request.SerializeAsString() + NestedGroups(100000);
  grpc::GenericStub generic(Channel("node/MX"));
  grpc::ClientContext context;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer send(&slice, 1);
  grpc::ByteBuffer receive;
  absl::Notification done;
  grpc::Status status;
  const HubState before = State();
  generic.UnaryCall(&context, "/enlace.v1.Exchange/Submit", grpc::StubOptions(), &send, &receive,
                    [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  // protobuf's recursion limit (100) fails the parse; gRPC 1.51's callback API then answers a
  // request it cannot deserialize with UNIMPLEMENTED and an empty message, before any handler.
  EXPECT_THAT(FromGrpcStatus(status), StatusIs(Code::kUnimplemented, _));
  ExpectNothingKept(before);
  ExpectStillServing();
}

TEST_F(ResourceAttackTest, TooManyStreamsAreRefused) {
  limits_.max_streams_per_participant = 4;
  Start();
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  v1::Exchange::Stub gt(Channel("node/GT"));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::Delivery>>> readers;
  for (int i = 0; i < 4; ++i) {  // each holds its slot: it has been delivered the entry
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(gt.Subscribe(contexts.back().get(), v1::SubscribeRequest()));
    ASSERT_EQ(hub::testing::ReadDeliveries(readers.back().get(), 1).envelopes.size(), 1u);
  }
  grpc::ClientContext fifth;
  auto reader = gt.Subscribe(&fifth, v1::SubscribeRequest());
  const hub::testing::Received refused = hub::testing::ReadDeliveries(reader.get(), 1);
  EXPECT_TRUE(refused.envelopes.empty());
  EXPECT_THAT(FromGrpcStatus(refused.status), StatusIs(Code::kResourceExhausted, _));
  // Another participant is not affected.
  v1::Exchange::Stub hn(Channel("node/HN"));
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/HN"})).status());
  grpc::ClientContext hn_context;
  auto hn_reader = hn.Subscribe(&hn_context, v1::SubscribeRequest());
  EXPECT_EQ(hub::testing::ReadDeliveries(hn_reader.get(), 1).envelopes.size(), 1u);
  hn_context.TryCancel();
  for (auto& context : contexts) context->TryCancel();
}

TEST_F(ResourceAttackTest, SubmissionFloodIsRateLimited) {
  limits_.submit_burst = 3;
  limits_.submits_per_second = 1;
  Start();
  for (int i = 0; i < 3; ++i) ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  const HubState before = State();
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(Submit("node/MX", Seal("node/MX", {"node/GT"})),
                StatusIs(Code::kResourceExhausted, HasSubstr("faster than")));
  }
  ExpectNothingKept(before);  // the flood is not even logged: the rate limit comes first
  // Other participants are not slowed, and Mexico gets a token back with time.
  EXPECT_OK(Submit("node/HN", Seal("node/HN", {"node/GT"})).status());
  clock_->Advance(absl::Seconds(2));
  ExpectStillServing();
}

}  // namespace
}  // namespace enlace::security_testing
