// Test and benchmark support: a whole network made at test time (root CA, directory signer,
// participants with TLS material, signing and encryption keys, the hub's log key), its signed
// directory, and sealed envelopes between its participants. Nothing is read from the repository.
//
//   ASSERT_OK_AND_ASSIGN(auto net, TestNetwork::Create(absl::Now(), {"node/MX", "node/GT"}));
//   ASSERT_OK_AND_ASSIGN(v1::SignedDirectory dir, net->SignDirectory(net->BaseDirectory(1)));
//   ASSERT_OK_AND_ASSIGN(v1::Envelope e, net->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST));
#ifndef ENLACE_HUB_TESTING_TEST_NETWORK_H_
#define ENLACE_HUB_TESTING_TEST_NETWORK_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "enlace/v1/directory.pb.h"
#include "enlace/v1/envelope.pb.h"
#include "identity/participant.h"
#include "identity/x509.h"
#include "net/testing/test_pki.h"
#include "net/tls.h"

namespace enlace::hub::testing {

struct TestParticipant {
  ParticipantId id;
  TlsMaterial tls;
  Bytes certificate_sha256;
  Ed25519PrivateKey signing_key;
  X25519PrivateKey encryption_key;
};

class TestNetwork {
 public:
  // The hub ("hub") is always a participant; `participant_ids` are the others. TLS certificates
  // are valid over [now - 1 day, now + 30 days) (handshakes use the real clock: pass
  // absl::Now()); the hub's also names the DNS name "localhost" (dial 127.0.0.1 with
  // ChannelArguments::SetSslTargetNameOverride("localhost")); directory keys and the signer's
  // certificate over [now - 1 day, now + 400 days) so that tests may run their FakeClock weeks
  // forward.
  static absl::StatusOr<std::unique_ptr<TestNetwork>> Create(
      absl::Time now, const std::vector<std::string>& participant_ids);

  absl::Time now() const { return now_; }
  const enlace::testing::TestPki& pki() const { return *pki_; }
  const Certificate& root() const { return pki_->ca().root(); }
  const TestParticipant& participant(absl::string_view id) const;
  const TestParticipant& hub() const { return participant("hub"); }
  // The hub's Ed25519 log key (a new handle on the same key on every call).
  absl::StatusOr<Ed25519PrivateKey> LogKey() const;

  // Every participant active, with its certificate and keys; version and issue time as given.
  v1::Directory BaseDirectory(uint64_t version) const;
  absl::StatusOr<v1::SignedDirectory> SignDirectory(const v1::Directory& directory) const;

  // A sealed envelope from `sender` to `recipients` (encrypted to their keys, signed by the
  // sender's). `created_at` defaults to now(); an empty `message_id` gets a random one.
  absl::StatusOr<v1::Envelope> Seal(absl::string_view sender,
                                    const std::vector<std::string>& recipients,
                                    v1::MessageKind kind, absl::string_view plaintext = "hola",
                                    std::optional<absl::Time> created_at = std::nullopt,
                                    Bytes message_id = "") const;

 private:
  TestNetwork() = default;
  absl::Time now_;
  std::unique_ptr<enlace::testing::TestPki> pki_;
  std::optional<Ed25519PrivateKey> directory_signer_key_;
  std::optional<Certificate> directory_signer_certificate_;
  std::map<std::string, std::unique_ptr<TestParticipant>, std::less<>> participants_;
  std::vector<std::string> order_;
};

// The files an enlace-hub process needs, written into `dir`: root.pem, hub.pem, hub-key.pem
// (0600), log-key.pem (0600), directory.pb and hub.conf (returned), with the data in dir/data and
// the ready file dir/ready.
absl::StatusOr<std::string> WriteHubFiles(const TestNetwork& net, const std::string& dir,
                                          const std::string& extra_config = "");

}  // namespace enlace::hub::testing

#endif  // ENLACE_HUB_TESTING_TEST_NETWORK_H_
