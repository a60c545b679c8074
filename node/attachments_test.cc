#include "node/attachments.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "crypto/hash.h"
#include "domain/content.h"
#include "domain/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::node {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Content Example(const std::string& name) {
  absl::StatusOr<std::string> json =
      ReadFile(absl::StrCat(ENLACE_SOURCE_DIR, "/tests/data/examples/", name), 1 << 20);
  EXPECT_TRUE(json.ok()) << json.status();
  absl::StatusOr<v1::Content> content = domain::ContentFromJson(json.value_or("{}"));
  EXPECT_TRUE(content.ok()) << content.status();
  return content.value_or(v1::Content());
}

// A reference that `body` matches.
void Describe(v1::Attachment* ref, const std::string& name, const Bytes& body) {
  ref->set_name(name);
  ref->set_media_type("application/pdf");
  ref->set_size_bytes(body.size());
  ref->set_sha256(HexEncode(DigestBytes(*Sha256(body))));
}

class AttachmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    document_ = Example("document_secretariat_minutes.json");
    document_.mutable_document()->clear_attachments();
    bodies_ = {Bytes("%PDF-1.7 acta de la reunion"), Bytes(3000, '\x00')};
    Describe(document_.mutable_document()->add_attachments(), "acta.pdf", bodies_[0]);
    Describe(document_.mutable_document()->add_attachments(), "anexo.pdf", bodies_[1]);
  }

  v1::Content document_;
  std::vector<Bytes> bodies_;
};

TEST_F(AttachmentsTest, ReferencesComeInFieldOrderThenElementOrder) {
  std::vector<std::string> names;
  for (const v1::Attachment* ref : AttachmentRefs(document_)) names.push_back(ref->name());
  EXPECT_THAT(names, ElementsAre("acta.pdf", "anexo.pdf"));
  // Nested lists: a matrix update's entries, each with its own attachments.
  v1::Content matrix = Example("legislation_matrix_update_cr.json");
  v1::LegislationMatrixUpdate& update = *matrix.mutable_legislation_matrix_update();
  update.mutable_entries(0)->add_attachments()->set_name("first-entry.pdf");
  names.clear();
  for (const v1::Attachment* ref : AttachmentRefs(matrix)) names.push_back(ref->name());
  EXPECT_THAT(names, ElementsAre("first-entry.pdf", "cr-no-punibilidad.pdf"));
  EXPECT_THAT(AttachmentRefs(Example("referral_status_gt_accepted.json")), IsEmpty());
}

TEST_F(AttachmentsTest, PackedBodiesUnpackAndAreCheckedAgainstTheirReferences) {
  ASSERT_OK_AND_ASSIGN(std::string plaintext, PackPlaintext(document_, bodies_));
  EXPECT_EQ(plaintext.substr(0, 2), std::string("\x00\x01", 2));
  ASSERT_OK_AND_ASSIGN(UnpackedPlaintext unpacked, UnpackPlaintext(plaintext));
  EXPECT_EQ(domain::ContentToBinary(unpacked.content), domain::ContentToBinary(document_));
  ASSERT_EQ(unpacked.bodies.size(), 2u);
  EXPECT_EQ(unpacked.bodies[0], bodies_[0]);
  EXPECT_EQ(unpacked.bodies[1], bodies_[1]);
}

TEST_F(AttachmentsTest, AContentWithoutAttachmentsIsSealedAsItself) {
  v1::Content status = Example("referral_status_gt_accepted.json");
  ASSERT_OK_AND_ASSIGN(std::string plaintext, PackPlaintext(status, {}));
  EXPECT_EQ(plaintext, domain::ContentToBinary(status));
  ASSERT_OK_AND_ASSIGN(UnpackedPlaintext unpacked, UnpackPlaintext(plaintext));
  EXPECT_THAT(unpacked.bodies, IsEmpty());
  EXPECT_EQ(unpacked.content.referral_status().state(), status.referral_status().state());
}

TEST_F(AttachmentsTest, TheSenderRefusesMissingOrMismatchedBodies) {
  EXPECT_THAT(PackPlaintext(document_, {bodies_[0]}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lists 2 attachments")));
  std::vector<Bytes> swapped = {bodies_[1], bodies_[0]};
  EXPECT_THAT(PackPlaintext(document_, swapped),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("attachment 1 (\"acta.pdf\") has 3000 bytes")));
  std::vector<Bytes> changed = bodies_;
  changed[1][7] = 'x';  // same size, other bytes
  EXPECT_THAT(PackPlaintext(document_, changed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the SHA-256 of attachment 2 (\"anexo.pdf\")")));
  document_.mutable_document()->mutable_attachments(1)->set_size_bytes(kMaxAttachmentBytes);
  EXPECT_THAT(PackPlaintext(document_, bodies_),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("add up to more")));
}

TEST_F(AttachmentsTest, TheReceiverRefusesEveryMalformedContainer) {
  ASSERT_OK_AND_ASSIGN(const std::string good, PackPlaintext(document_, bodies_));
  const std::string content = domain::ContentToBinary(document_);
  struct Case {
    std::string name;
    std::string plaintext;
    std::string error;
  };
  std::string other_body = good;
  other_body[other_body.size() - 1] ^= 1;  // a byte of the last body
  std::string miscounted = good;
  miscounted[2 + 4 + content.size() + 3] = 3;  // the body count
  const std::vector<Case> cases = {
      {"version", std::string("\x00\x02", 2) + good.substr(2), "version 1"},
      {"short content", good.substr(0, 2 + 4 + 10), "content is cut short"},
      {"miscounted", miscounted, "one body per attachment listed (2)"},
      {"short body", good.substr(0, good.size() - 1), "attachment 2 of the container is cut short"},
      {"trailing", good + "x", "1 bytes follow"},
      {"changed body", other_body, "the SHA-256 of attachment 2"},
      {"bodies left out", content, "carries none of their bytes"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(UnpackPlaintext(c.plaintext),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.name;
  }
  // A container whose content lists no attachment is refused too.
  v1::Content status = Example("referral_status_gt_accepted.json");
  std::string empty_container("\x00\x01", 2);
  AppendLengthPrefixed(domain::ContentToBinary(status), &empty_container);
  AppendUint32(0, &empty_container);
  EXPECT_THAT(UnpackPlaintext(empty_container),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lists no attachment")));
}

}  // namespace
}  // namespace enlace::node
