#include "hub/metrics.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace enlace::hub {
namespace {

std::string FormatValue(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.9g", v);
}

// Label values escaped as the text format wants (backslash, quote, newline).
std::string EscapeLabel(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const MetricLabels& labels) {
  if (labels.empty()) return "";
  return absl::StrCat(
      "{",
      absl::StrJoin(labels, ",",
                    [](std::string* out, const std::pair<std::string, std::string>& label) {
                      absl::StrAppend(out, label.first, "=\"", EscapeLabel(label.second), "\"");
                    }),
      "}");
}

void RenderValues(const std::string& name, const std::map<MetricLabels, double>& values,
                  std::string* out) {
  for (const auto& [labels, value] : values) {
    absl::StrAppend(out, name, LabelText(labels), " ", FormatValue(value), "\n");
  }
}

}  // namespace

void MetricFamily::Render(std::string* out) const {
  absl::StrAppend(out, "# HELP ", name_, " ", help_, "\n# TYPE ", name_, " ", type_, "\n");
  RenderSamples(out);
}

void Counter::Add(const MetricLabels& labels, double amount) {
  absl::MutexLock lock(&mu_);
  values_[labels] += amount;
}

double Counter::Value(const MetricLabels& labels) const {
  absl::MutexLock lock(&mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Counter::RenderSamples(std::string* out) const {
  absl::MutexLock lock(&mu_);
  RenderValues(name(), values_, out);
}

void Gauge::Set(const MetricLabels& labels, double value) {
  absl::MutexLock lock(&mu_);
  values_[labels] = value;
}

double Gauge::Value(const MetricLabels& labels) const {
  absl::MutexLock lock(&mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::RenderSamples(std::string* out) const {
  absl::MutexLock lock(&mu_);
  RenderValues(name(), values_, out);
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), "histogram"),
      bounds_(std::move(bounds)),
      buckets_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  absl::MutexLock lock(&mu_);
  ++buckets_[i];
  sum_ += value;
  ++count_;
}

uint64_t Histogram::Count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

void Histogram::RenderSamples(std::string* out) const {
  absl::MutexLock lock(&mu_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i];
    absl::StrAppend(out, name(), "_bucket{le=\"", FormatValue(bounds_[i]), "\"} ", cumulative,
                    "\n");
  }
  absl::StrAppend(out, name(), "_bucket{le=\"+Inf\"} ", count_, "\n");
  absl::StrAppend(out, name(), "_sum ", FormatValue(sum_), "\n");
  absl::StrAppend(out, name(), "_count ", count_, "\n");
}

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> CountBounds() {
  std::vector<double> bounds;
  for (double b = 1; b <= 4096; b *= 2) bounds.push_back(b);
  return bounds;
}

Counter* MetricsRegistry::AddCounter(std::string name, std::string help) {
  auto family = std::make_unique<Counter>(std::move(name), std::move(help));
  Counter* raw = family.get();
  absl::MutexLock lock(&mu_);
  families_.push_back(std::move(family));
  return raw;
}

Gauge* MetricsRegistry::AddGauge(std::string name, std::string help) {
  auto family = std::make_unique<Gauge>(std::move(name), std::move(help));
  Gauge* raw = family.get();
  absl::MutexLock lock(&mu_);
  families_.push_back(std::move(family));
  return raw;
}

Histogram* MetricsRegistry::AddHistogram(std::string name, std::string help,
                                         std::vector<double> bounds) {
  auto family = std::make_unique<Histogram>(std::move(name), std::move(help), std::move(bounds));
  Histogram* raw = family.get();
  absl::MutexLock lock(&mu_);
  families_.push_back(std::move(family));
  return raw;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& family : families_) family->Render(&out);
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view address, std::function<std::string()> render) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address, "\" has no port; use 127.0.0.1:PORT"));
  }
  const absl::string_view host = address.substr(0, colon);
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address, "\" has no valid port (0..65535)"));
  }
  const bool v6 = host == "[::1]";
  if (host != "127.0.0.1" && host != "localhost" && !v6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics address \"", address,
        "\" is not a loopback address: metrics are served on 127.0.0.1, localhost or [::1] only"));
  }
  const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc;
  if (v6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_loopback;
    rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  if (rc != 0 || listen(fd, 16) != 0) {
    const std::string error = strerror(errno);
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen for metrics on ", address, ": ", error));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int bound_port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                  : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(fd, bound_port, std::move(render)));
}

MetricsHttpServer::MetricsHttpServer(int listen_fd, int port, std::function<std::string()> render)
    : listen_fd_(listen_fd), port_(port), render_(std::move(render)) {
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
  thread_ = std::thread([this] { Serve(); });
}

MetricsHttpServer::~MetricsHttpServer() {
  if (wake_pipe_[1] >= 0) {
    const char byte = 0;
    (void)!write(wake_pipe_[1], &byte, 1);
  }
  thread_.join();
  close(listen_fd_);
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

void MetricsHttpServer::Serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int n = poll(fds, wake_pipe_[0] >= 0 ? 2 : 1, 1000);
    if (n < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (n <= 0 || (fds[0].revents & POLLIN) == 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Answer(fd);
    close(fd);
  }
}

void MetricsHttpServer::Answer(int fd) {
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  std::string request;
  char buffer[1024];
  while (request.size() < 8192 && request.find("\r\n\r\n") == std::string::npos &&
         request.find("\n\n") == std::string::npos) {
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got <= 0) break;
    request.append(buffer, static_cast<size_t>(got));
  }
  const bool metrics = request.rfind("GET /metrics ", 0) == 0 ||
                       request.rfind("GET /metrics\r", 0) == 0 ||
                       request.rfind("GET /metrics?", 0) == 0;
  const std::string body = metrics ? render_() : "not found: the metrics are at /metrics\n";
  const std::string response =
      absl::StrCat(metrics ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n",
                   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
                   "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
  size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = write(fd, response.data() + sent, response.size() - sent);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace enlace::hub
