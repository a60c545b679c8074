#include "crypto/internal/vector_runner.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/files.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "crypto/internal/ecdsa.h"
#include "crypto/internal/evp_aead.h"
#include "crypto/internal/fixed_random.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "nlohmann/json.hpp"

namespace enlace::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxVectorFileSize = 64 << 20;

// Thrown only inside this file, for a field that is missing or not hex; caught per case.
struct MalformedField {
  std::string message;
};

Bytes Hex(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_string()) {
    throw MalformedField{absl::StrCat("missing string field '", name, "'")};
  }
  absl::StatusOr<Bytes> bytes = HexDecode(object[name].get<std::string>());
  if (!bytes.ok()) throw MalformedField{absl::StrCat(name, ": ", bytes.status().message())};
  return *bytes;
}

std::string Short(absl::string_view bytes) {
  const std::string hex = HexEncode(bytes);
  return hex.size() <= 80 ? hex : absl::StrCat(hex.substr(0, 80), "...");
}

// The outcome of running one case through our code.
struct Outcome {
  absl::Status status;
  Bytes output;  // compared with the expected output when the case succeeds
};

template <typename T>
Outcome FromStatusOr(const absl::StatusOr<T>& result, std::function<Bytes(const T&)> output) {
  if (!result.ok()) return {result.status(), ""};
  return {absl::OkStatus(), output(*result)};
}

class Judge {
 public:
  explicit Judge(std::ostream& out) : out_(out) {}

  void Pass() { ++tally_.passed; }
  void Fail(const std::string& where, const std::string& why) {
    ++tally_.failed;
    out_ << "FAIL " << where << ": " << why << "\n";
  }
  void Skip(const std::string& where, const std::string& why) {
    ++tally_.skipped;
    out_ << "skipped " << where << ": " << why << "\n";
  }
  const VectorTally& tally() const { return tally_; }

  // Wycheproof rules (see the header). `must_reject` is enlace's stricter policy for some
  // acceptable cases.
  void Wycheproof(const std::string& where, const std::string& result, bool must_reject,
                  const Outcome& outcome, const Bytes& expected) {
    const bool ok = outcome.status.ok();
    const bool matches = ok && outcome.output == expected;
    if (result == "valid" && outcome.status.code() == absl::StatusCode::kUnimplemented) {
      Skip(where, std::string(outcome.status.message()));
    } else if (result == "valid") {
      if (matches) return Pass();
      Fail(where, ok ? absl::StrCat("expected valid; output ", Short(outcome.output),
                                    " != ", Short(expected))
                     : absl::StrCat("expected valid; got error: ", outcome.status.message()));
    } else if (result == "invalid" || (result == "acceptable" && must_reject)) {
      if (!ok) return Pass();
      Fail(where, absl::StrCat("expected ", result == "invalid" ? "invalid" : "enlace to refuse",
                               "; was accepted"));
    } else if (result == "acceptable") {
      if (!ok || matches) return Pass();
      Fail(where,
           absl::StrCat("acceptable case accepted with wrong output ", Short(outcome.output)));
    } else {
      Fail(where, absl::StrCat("unknown result '", result, "'"));
    }
  }

 private:
  std::ostream& out_;
  VectorTally tally_;
};

bool HasFlag(const json& test, const char* flag) {
  if (!test.contains("flags") || !test["flags"].is_array()) return false;
  for (const auto& f : test["flags"]) {
    if (f.is_string() && f.get<std::string>() == flag) return true;
  }
  return false;
}

// The group's public-key object (v1: "publicKey"; v0: "key").
const json& GroupKey(const json& group) {
  static const json kEmpty = json::object();
  if (group.contains("publicKey") && group["publicKey"].is_object()) return group["publicKey"];
  if (group.contains("key") && group["key"].is_object()) return group["key"];
  return kEmpty;
}

// One Wycheproof algorithm: how to run a case of a group. `skip_group` returns a reason to skip
// a whole group (parameters outside this algorithm, e.g. Ed448 in an EDDSA file) or "".
struct WycheproofAlgorithm {
  const char* group_type;  // the group "type" whose encoding this runner reads, e.g. "XdhComp"
  std::function<std::string(const json& group)> skip_group;
  std::function<Outcome(const json& group, const json& test, Bytes* expected)> run;
  const char* must_reject_flag = nullptr;
};

std::string NoSkip(const json&) { return ""; }

Outcome RunXdh(const json&, const json& test, Bytes* expected) {
  *expected = Hex(test, "shared");
  auto private_key = X25519PrivateKey::FromRaw(SecretBytes(Hex(test, "private")));
  if (!private_key.ok()) return {private_key.status(), ""};
  auto public_key = X25519PublicKey::FromRaw(Hex(test, "public"));
  if (!public_key.ok()) return {public_key.status(), ""};
  return FromStatusOr<SecretBytes>(private_key->ComputeSharedSecret(*public_key),
                                   [](const SecretBytes& s) { return Bytes(s.view()); });
}

Outcome RunEddsa(const json& group, const json& test, Bytes*) {
  auto key = Ed25519PublicKey::FromRaw(Hex(GroupKey(group), "pk"));
  if (!key.ok()) return {key.status(), ""};
  return {key->Verify(Hex(test, "msg"), Hex(test, "sig")), ""};
}

Outcome RunAead(bool chacha, const json& test, Bytes* expected) {
  const Bytes key = Hex(test, "key"), iv = Hex(test, "iv"), aad = Hex(test, "aad");
  const Bytes msg = Hex(test, "msg"), ct_tag = Hex(test, "ct") + Hex(test, "tag");
  const EVP_CIPHER* cipher = chacha ? ChaCha20Poly1305Cipher() : AesGcmCipher(key.size());
  if (cipher == nullptr) {
    return {absl::InvalidArgumentError(absl::StrCat("no AES-GCM for a ", key.size(), "-byte key")),
            ""};
  }
  *expected = msg;
  auto opened = EvpAeadOpen(cipher, key, iv, aad, ct_tag);
  if (!opened.ok()) return {opened.status(), ""};
  // Decryption accepted: encryption of the same inputs must give exactly the ciphertext.
  auto sealed = EvpAeadSeal(cipher, key, iv, aad, msg);
  if (!sealed.ok()) return {sealed.status(), ""};
  if (*sealed != ct_tag) {
    return {
        absl::InternalError(absl::StrCat("Seal gave ", Short(*sealed), ", want ", Short(ct_tag))),
        ""};
  }
  return {absl::OkStatus(), *opened};
}

std::string SkipAeadGroup(const json& group) {
  if (group.value("tagSize", 128) != 128) {
    return absl::StrCat("tagSize ", group.value("tagSize", 0), " bits (enlace uses 128-bit tags)");
  }
  return "";
}

Outcome RunHkdf(const json&, const json& test, Bytes* expected) {
  *expected = Hex(test, "okm");
  if (!test.contains("size") || !test["size"].is_number_unsigned()) {
    throw MalformedField{"missing unsigned field 'size'"};
  }
  return FromStatusOr<SecretBytes>(HkdfSha256(Hex(test, "ikm"), Hex(test, "salt"),
                                              Hex(test, "info"), test["size"].get<size_t>()),
                                   [](const SecretBytes& s) { return Bytes(s.view()); });
}

Outcome RunHmac(const json& group, const json& test, Bytes*) {
  const Bytes tag = Hex(test, "tag");
  const int tag_bits = group.value("tagSize", 256);
  auto computed = HmacSha256(Hex(test, "key"), Hex(test, "msg"));
  if (!computed.ok()) return {computed.status(), ""};
  // Wycheproof's truncated-tag groups compare the leading tagSize/8 bytes.
  if (tag_bits <= 0 || tag_bits % 8 != 0 || tag_bits > 256 ||
      !ConstantTimeEquals(computed->substr(0, tag_bits / 8), tag)) {
    return {absl::InvalidArgumentError("HMAC-SHA256 tag does not match"), ""};
  }
  return {absl::OkStatus(), ""};
}

std::string SkipEcdsaGroup(const json& group) {
  const std::string sha = group.value("sha", "");
  const std::string curve = GroupKey(group).value("curve", "");
  if (sha != "SHA-256" || curve != "secp256r1") {
    return absl::StrCat("ECDSA with ", curve, "/", sha, " (only secp256r1/SHA-256 is offered)");
  }
  return "";
}

Outcome RunEcdsa(const json& group, const json& test, Bytes*) {
  const Bytes der =
      group.contains("publicKeyDer") ? Hex(group, "publicKeyDer") : Hex(group, "keyDer");
  return {VerifyEcdsaP256Sha256(der, Hex(test, "msg"), Hex(test, "sig")), ""};
}

absl::StatusOr<WycheproofAlgorithm> AlgorithmOf(const json& file) {
  const std::string algorithm = file.value("algorithm", "");
  if (algorithm == "XDH") {
    return WycheproofAlgorithm{
        "XdhComp",
        [](const json& group) {
          const std::string curve = group.value("curve", "curve25519");
          return curve == "curve25519" ? "" : absl::StrCat("curve ", curve, " (only X25519)");
        },
        RunXdh, "ZeroSharedSecret"};
  }
  if (algorithm == "EDDSA") {
    return WycheproofAlgorithm{
        "EddsaVerify",
        [](const json& group) {
          const std::string curve = GroupKey(group).value("curve", "edwards25519");
          return curve == "edwards25519" ? "" : absl::StrCat("curve ", curve, " (only Ed25519)");
        },
        RunEddsa};
  }
  if (algorithm == "AES-GCM" || algorithm == "CHACHA20-POLY1305") {
    const bool chacha = algorithm == "CHACHA20-POLY1305";
    return WycheproofAlgorithm{"AeadTest", SkipAeadGroup,
                               [chacha](const json&, const json& test, Bytes* expected) {
                                 return RunAead(chacha, test, expected);
                               }};
  }
  if (algorithm == "HKDF-SHA-256") return WycheproofAlgorithm{"HkdfTest", NoSkip, RunHkdf};
  if (algorithm == "HMACSHA256") return WycheproofAlgorithm{"MacTest", NoSkip, RunHmac};
  if (algorithm == "ECDSA") return WycheproofAlgorithm{"EcdsaVerify", SkipEcdsaGroup, RunEcdsa};
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported Wycheproof algorithm '", algorithm,
      "' (supported: XDH, EDDSA, AES-GCM, CHACHA20-POLY1305, HKDF-SHA-256, HMACSHA256, ECDSA)"));
}

absl::Status RunWycheproof(const json& file, Judge& judge) {
  if (!file.is_object() || !file.contains("testGroups") || !file["testGroups"].is_array()) {
    return absl::InvalidArgumentError("not a Wycheproof file: no \"testGroups\" array");
  }
  absl::StatusOr<WycheproofAlgorithm> algorithm = AlgorithmOf(file);
  if (!algorithm.ok()) return algorithm.status();
  for (const auto& group : file["testGroups"]) {
    if (!group.is_object() || !group.contains("tests") || !group["tests"].is_array()) {
      judge.Fail("group", "malformed test group (no \"tests\" array)");
      continue;
    }
    // Other encodings of the same algorithm (e.g. XdhAsnComp, EcdsaP1363Verify) are not read.
    const std::string type = group.value("type", algorithm->group_type);
    const std::string skip =
        type != algorithm->group_type
            ? absl::StrCat("group type ", type, " (this runner reads ", algorithm->group_type, ")")
            : algorithm->skip_group(group);
    for (const auto& test : group["tests"]) {
      const std::string where =
          absl::StrCat("tcId ", test.is_object() ? test.value("tcId", -1) : -1);
      if (!skip.empty()) {
        judge.Skip(where, skip);
        continue;
      }
      try {
        Bytes expected;
        const Outcome outcome = algorithm->run(group, test, &expected);
        const bool must_reject =
            algorithm->must_reject_flag != nullptr && HasFlag(test, algorithm->must_reject_flag);
        judge.Wycheproof(where, test.value("result", ""), must_reject, outcome, expected);
      } catch (const MalformedField& e) {
        judge.Fail(where, absl::StrCat("malformed case: ", e.message));
      } catch (const json::exception& e) {
        judge.Fail(where, absl::StrCat("malformed case: ", e.what()));
      }
    }
  }
  return absl::OkStatus();
}

// RFC 9180 entry: key derivation, sender (with ikmE as its randomness), recipient, exports, and
// tampering (each must make Open fail).
void RunHpkeEntry(const json& entry, const std::string& name, Judge& judge) {
  const int mode = entry.value("mode", -1);
  const int kem = entry.value("kem_id", -1), kdf = entry.value("kdf_id", -1);
  absl::StatusOr<AeadAlgorithm> aead = AeadFromHpkeId(entry.value("aead_id", 0));
  if ((mode != 0 && mode != 2) || kem != kHpkeKemX25519HkdfSha256 || kdf != kHpkeKdfHkdfSha256 ||
      !aead.ok()) {
    return judge.Skip(name,
                      "suite or mode not offered (base/auth, X25519, HKDF-SHA256, "
                      "AES-128-GCM/AES-256-GCM/ChaCha20-Poly1305)");
  }
  const bool auth = mode == 2;
  const Bytes info = Hex(entry, "info");
  // Key derivation (RFC 9180 §7.1.3).
  std::vector<std::string> prefixes = {"E", "R"};
  if (auth) prefixes.push_back("S");
  for (const std::string& who : prefixes) {
    const std::string where = absl::StrCat(name, " DeriveKeyPair(ikm", who, ")");
    auto key = HpkeDeriveKeyPair(Hex(entry, ("ikm" + who).c_str()));
    if (!key.ok()) {
      judge.Fail(where, std::string(key.status().message()));
    } else if (key->raw().view() != Hex(entry, ("sk" + who + "m").c_str()) ||
               key->public_key().raw() != Hex(entry, ("pk" + who + "m").c_str())) {
      judge.Fail(where, "derived key pair differs");
    } else {
      judge.Pass();
    }
  }
  auto recipient = X25519PrivateKey::FromRaw(SecretBytes(Hex(entry, "skRm")));
  auto sender = X25519PrivateKey::FromRaw(SecretBytes(auth ? Hex(entry, "skSm") : Bytes(32, 1)));
  if (!recipient.ok() || !sender.ok()) return judge.Fail(name, "cannot load skRm/skSm");
  const Bytes enc = Hex(entry, "enc");

  FixedRandom ikm_e(Hex(entry, "ikmE"));
  auto sending = auth ? SetupAuthSender(*aead, recipient->public_key(), *sender, info, &ikm_e)
                      : SetupBaseSender(*aead, recipient->public_key(), info, &ikm_e);
  auto setup_recipient = [&](absl::string_view e, absl::string_view i) {
    return auth ? SetupAuthRecipient(*aead, e, *recipient, sender->public_key(), i)
                : SetupBaseRecipient(*aead, e, *recipient, i);
  };
  auto receiving = setup_recipient(enc, info);
  if (!sending.ok() || !receiving.ok()) {
    return judge.Fail(name, absl::StrCat("setup failed: ", sending.status().message(), " / ",
                                         receiving.status().message()));
  }
  if (sending->encapsulated_key != enc) {
    judge.Fail(name + " enc", absl::StrCat(Short(sending->encapsulated_key), " != ", Short(enc)));
  } else {
    judge.Pass();
  }

  const json& encryptions = entry.at("encryptions");
  for (size_t i = 0; i < encryptions.size(); ++i) {
    const std::string where = absl::StrCat(name, " encryption ", i);
    const Bytes pt = Hex(encryptions[i], "pt"), aad = Hex(encryptions[i], "aad");
    const Bytes ct = Hex(encryptions[i], "ct");
    auto sealed = sending->context->Seal(aad, pt);
    auto opened = (*receiving)->Open(aad, ct);
    if (!sealed.ok() || *sealed != ct) {
      judge.Fail(where,
                 sealed.ok() ? "Seal output differs" : std::string(sealed.status().message()));
    } else if (!opened.ok() || *opened != pt) {
      judge.Fail(where,
                 opened.ok() ? "Open output differs" : std::string(opened.status().message()));
    } else {
      judge.Pass();
    }
  }

  if (entry.contains("exports")) {
    for (const auto& e : entry["exports"]) {
      const std::string where = absl::StrCat(name, " export L=", e.value("L", 0));
      auto from_sender = sending->context->Export(Hex(e, "exporter_context"), e.value("L", 0));
      auto from_recipient = (*receiving)->Export(Hex(e, "exporter_context"), e.value("L", 0));
      const Bytes want = Hex(e, "exported_value");
      if (from_sender.ok() && from_recipient.ok() && from_sender->view() == want &&
          from_recipient->view() == want) {
        judge.Pass();
      } else {
        judge.Fail(where, "exported value differs or export failed");
      }
    }
  }

  // Tampering: a fresh recipient must refuse the first ciphertext if ct, aad, enc or info
  // changed by one bit.
  if (encryptions.empty()) return;
  const Bytes pt = Hex(encryptions[0], "pt"), aad = Hex(encryptions[0], "aad");
  const Bytes ct = Hex(encryptions[0], "ct");
  auto flip = [](Bytes b) {
    if (b.empty()) return Bytes(1, '\x01');
    b[b.size() / 2] ^= 0x01;
    return b;
  };
  struct Tamper {
    const char* what;
    Bytes enc, info, aad, ct;
  };
  for (const Tamper& t :
       {Tamper{"ct", enc, info, aad, flip(ct)}, Tamper{"aad", enc, info, flip(aad), ct},
        Tamper{"enc", flip(enc), info, aad, ct}, Tamper{"info", enc, flip(info), aad, ct}}) {
    const std::string where = absl::StrCat(name, " tampered ", t.what);
    auto context = setup_recipient(t.enc, t.info);
    if (context.ok() && (*context)->Open(t.aad, t.ct).ok()) {
      judge.Fail(where, "Open accepted a modified input");
    } else {
      judge.Pass();
    }
  }
}

absl::Status RunHpke(const json& file, Judge& judge) {
  if (!file.is_array()) return absl::InvalidArgumentError("not RFC 9180 vectors: not an array");
  for (size_t i = 0; i < file.size(); ++i) {
    const std::string name = absl::StrCat("entry ", i, " (mode ", file[i].value("mode", -1),
                                          ", aead ", file[i].value("aead_id", -1), ")");
    try {
      RunHpkeEntry(file[i], name, judge);
    } catch (const MalformedField& e) {
      judge.Fail(name, absl::StrCat("malformed entry: ", e.message));
    } catch (const json::exception& e) {
      judge.Fail(name, absl::StrCat("malformed entry: ", e.what()));
    }
  }
  return absl::OkStatus();
}

absl::Status RunRfc8032(const json& file, Judge& judge) {
  if (!file.is_object() || !file.contains("tests") || !file["tests"].is_array()) {
    return absl::InvalidArgumentError("not RFC 8032 vectors: no \"tests\" array");
  }
  for (const auto& test : file["tests"]) {
    const std::string where = test.is_object() ? test.value("name", "test") : "test";
    try {
      auto key = Ed25519PrivateKey::FromSeed(SecretBytes(Hex(test, "secret_key")));
      const Bytes message = Hex(test, "message"), signature = Hex(test, "signature");
      if (!key.ok()) {
        judge.Fail(where, std::string(key.status().message()));
        continue;
      }
      auto produced = key->Sign(message);
      auto public_key = Ed25519PublicKey::FromRaw(Hex(test, "public_key"));
      Bytes flipped = signature;
      if (!flipped.empty()) flipped[0] ^= 0x01;
      if (key->public_key().raw() != Hex(test, "public_key")) {
        judge.Fail(where, "derived public key differs");
      } else if (!produced.ok() || *produced != signature) {
        judge.Fail(where, "signature differs");
      } else if (!public_key.ok() || !public_key->Verify(message, signature).ok()) {
        judge.Fail(where, "signature does not verify");
      } else if (public_key->Verify(message, flipped).ok()) {
        judge.Fail(where, "a modified signature verifies");
      } else {
        judge.Pass();
      }
    } catch (const MalformedField& e) {
      judge.Fail(where, absl::StrCat("malformed case: ", e.message));
    } catch (const json::exception& e) {
      judge.Fail(where, absl::StrCat("malformed case: ", e.what()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VectorTally> RunVectorFile(VectorFormat format, const std::string& path,
                                          std::ostream& out) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxVectorFileSize);
  if (!text.ok()) return text.status();
  const json file = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (file.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, " is not JSON"));
  Judge judge(out);
  absl::Status status;
  switch (format) {
    case VectorFormat::kWycheproof:
      status = RunWycheproof(file, judge);
      break;
    case VectorFormat::kHpke:
      status = RunHpke(file, judge);
      break;
    case VectorFormat::kRfc8032:
      status = RunRfc8032(file, judge);
      break;
  }
  if (!status.ok()) return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  if (judge.tally().passed + judge.tally().failed == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no applicable test case"));
  }
  return judge.tally();
}

}  // namespace enlace::internal
