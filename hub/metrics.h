// Operational metrics in the Prometheus text format (version 0.0.4), and the tiny HTTP/1.0
// responder that serves them on a loopback port.
//
//   MetricsRegistry registry;
//   Counter* submits = registry.AddCounter("enlace_hub_submits_total", "Submissions by result.");
//   submits->Add({{"result", "ok"}});
//   std::string text = registry.Render();
//
// Labels carry participant ids and result codes only: never content, never anything that
// identifies a person. Everything here is thread-safe.
#ifndef ENLACE_HUB_METRICS_H_
#define ENLACE_HUB_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace enlace::hub {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// One metric family: a name, its help text, and a value per label set.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::string type)
      : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)) {}
  virtual ~MetricFamily() = default;
  void Render(std::string* out) const;

 protected:
  // Appends the sample lines (without HELP/TYPE).
  virtual void RenderSamples(std::string* out) const = 0;
  const std::string& name() const { return name_; }

 private:
  const std::string name_;
  const std::string help_;
  const std::string type_;
};

class Counter : public MetricFamily {
 public:
  Counter(std::string name, std::string help)
      : MetricFamily(std::move(name), std::move(help), "counter") {}
  void Add(const MetricLabels& labels, double amount = 1);
  double Value(const MetricLabels& labels) const;

 private:
  void RenderSamples(std::string* out) const override;
  mutable absl::Mutex mu_;
  std::map<MetricLabels, double> values_ ABSL_GUARDED_BY(mu_);
};

class Gauge : public MetricFamily {
 public:
  Gauge(std::string name, std::string help)
      : MetricFamily(std::move(name), std::move(help), "gauge") {}
  void Set(const MetricLabels& labels, double value);
  double Value(const MetricLabels& labels) const;

 private:
  void RenderSamples(std::string* out) const override;
  mutable absl::Mutex mu_;
  std::map<MetricLabels, double> values_ ABSL_GUARDED_BY(mu_);
};

// A histogram without labels, with fixed upper bounds (the +Inf bucket is implicit).
class Histogram : public MetricFamily {
 public:
  Histogram(std::string name, std::string help, std::vector<double> bounds);
  void Observe(double value);
  uint64_t Count() const;

 private:
  void RenderSamples(std::string* out) const override;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> buckets_ ABSL_GUARDED_BY(mu_);  // non-cumulative, one per bound + inf
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Latency bounds in seconds (0.5 ms .. 10 s) and count bounds (1 .. 4096).
std::vector<double> LatencyBounds();
std::vector<double> CountBounds();

class MetricsRegistry {
 public:
  // The returned families live as long as the registry. Names must be unique.
  Counter* AddCounter(std::string name, std::string help);
  Gauge* AddGauge(std::string name, std::string help);
  Histogram* AddHistogram(std::string name, std::string help, std::vector<double> bounds);

  // Every family in registration order.
  std::string Render() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ ABSL_GUARDED_BY(mu_);
};

// Serves `render()` at GET /metrics over HTTP/1.0 on a loopback address; every other path gets
// 404. One connection at a time (a scraper, not the public): requests are read with a 2-second
// timeout and at most 8 KiB.
class MetricsHttpServer {
 public:
  // `address` is "127.0.0.1:PORT", "localhost:PORT" or "[::1]:PORT" (port 0: any free port);
  // any other host is refused with INVALID_ARGUMENT, since metrics must not leave the machine.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view address, std::function<std::string()> render);
  ~MetricsHttpServer();  // stops serving

  int port() const { return port_; }

 private:
  MetricsHttpServer(int listen_fd, int port, std::function<std::string()> render);
  void Serve();
  void Answer(int fd);

  const int listen_fd_;
  const int port_;
  const std::function<std::string()> render_;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace enlace::hub

#endif  // ENLACE_HUB_METRICS_H_
