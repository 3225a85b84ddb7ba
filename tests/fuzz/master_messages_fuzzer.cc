// libFuzzer target: the master's handling of every message a client or a
// worker can send (master/sessions.h, then the MasterCore), in any order
// and with any content, as two clients and two workers would: configs,
// frames (raw, encoded or unparsable), hellos, results for tasks the master
// really sent (right-sized or not) and for tasks it never sent, failures,
// heartbeats, workers leaving, time passing. A session that breaks the
// protocol is ended the way the gRPC reactors end it.
// Findings: crashes, sanitizer reports, and any frame answered twice.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <vector>

#include "master/master_core.h"
#include "master/sessions.h"

namespace tessera::master {
namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

class FakeClient : public ClientLink {
 public:
  void Deliver(FrameOutcome outcome) override {
    // Every frame is answered once: a mask, a drop notice or an error.
    Check(answered_.insert(outcome.index).second);
  }
  void ResumeReading() override {}
  void Finish(const absl::Status&) override { finished_ = true; }

 private:
  std::set<uint64_t> answered_;
  bool finished_ = false;
};

class FakeWorker : public WorkerLink {
 public:
  void SendTask(const TaskMessage& task) override { tasks.push_back(task); }
  void Close(const absl::Status&) override { closed = true; }
  void SendPlan(const StagePlanMessage&) override {}
  std::vector<TaskMessage> tasks;
  bool closed = false;
};

struct Client {
  std::shared_ptr<FakeClient> link = std::make_shared<FakeClient>();
  std::unique_ptr<ClientSession> session;
  uint64_t next_index = 0;
  bool ended = false;
};

struct Worker {
  std::shared_ptr<FakeWorker> link = std::make_shared<FakeWorker>();
  std::unique_ptr<WorkerSession> session;
};

v1::ImageData FuzzedImage(FuzzedDataProvider& input, int channels) {
  v1::ImageData image;
  const int encoding = input.ConsumeIntegralInRange(0, 4);
  image.set_encoding(static_cast<v1::Encoding>(encoding));
  image.set_width(input.ConsumeIntegralInRange(-1, 80));
  image.set_height(input.ConsumeIntegralInRange(-1, 80));
  image.set_channels(input.ConsumeBool() ? channels
                                         : input.ConsumeIntegralInRange(0, 4));
  if (encoding == v1::ENCODING_RAW && input.ConsumeBool() &&
      image.width() > 0 && image.height() > 0 && image.channels() > 0) {
    // Mostly the right byte count, so that frames get past decoding.
    const size_t bytes =
        static_cast<size_t>(image.width()) * image.height() * image.channels();
    std::string data = input.ConsumeBytesAsString(bytes);
    data.resize(bytes, static_cast<char>(input.ConsumeIntegral<uint8_t>()));
    image.set_data(std::move(data));
  } else {
    image.set_data(input.ConsumeRandomLengthString(256));
  }
  return image;
}

v1::StreamRequest FuzzedConfig(FuzzedDataProvider& input) {
  v1::StreamRequest request;
  v1::StreamConfig* config = request.mutable_config();
  config->set_stream_name(input.ConsumeRandomLengthString(16));
  config->set_overflow(
      static_cast<v1::OverflowPolicy>(input.ConsumeIntegralInRange(0, 3)));
  config->set_max_queued_frames(input.ConsumeIntegralInRange(-1, 300));
  if (input.ConsumeBool()) {
    config->mutable_grid()->set_rows(input.ConsumeIntegralInRange(-1, 5));
    config->mutable_grid()->set_cols(input.ConsumeIntegralInRange(-1, 5));
    config->mutable_grid()->set_halo(input.ConsumeIntegralInRange(-1, 40));
  }
  config->set_stitch(
      static_cast<v1::StitchMode>(input.ConsumeIntegralInRange(0, 3)));
  config->set_mask_encoding(
      static_cast<v1::Encoding>(input.ConsumeIntegralInRange(0, 4)));
  config->set_region_encoding(
      static_cast<v1::Encoding>(input.ConsumeIntegralInRange(0, 4)));
  if (input.ConsumeBool()) {
    v1::DvsConfig* dvs = config->mutable_dvs();
    dvs->set_mode(
        static_cast<v1::DvsConfig::Mode>(input.ConsumeIntegralInRange(0, 4)));
    if (input.ConsumeBool()) {
      dvs->set_threshold(input.ConsumeFloatingPointInRange(-10.0f, 110.0f));
    }
    dvs->set_key_gap(input.ConsumeIntegralInRange(-1, 20));
    dvs->set_max_key_age(input.ConsumeIntegralInRange(-1, 20));
  }
  return request;
}

v1::StreamRequest FuzzedFrame(FuzzedDataProvider& input, Client& client) {
  v1::StreamRequest request;
  v1::Frame* frame = request.mutable_frame();
  // Mostly the next index; sometimes a repeat or a jump back (a protocol
  // violation the master must answer without losing accepted frames).
  const uint64_t index = input.ConsumeIntegralInRange(0, 9) < 8
                             ? client.next_index
                             : input.ConsumeIntegralInRange<uint64_t>(0, 40);
  client.next_index = index + 1 + input.ConsumeIntegralInRange(0, 2);
  frame->set_index(index);
  *frame->mutable_image() = FuzzedImage(input, 3);
  return request;
}

v1::WorkerMessage FuzzedHello(FuzzedDataProvider& input) {
  v1::WorkerMessage message;
  v1::WorkerHello* hello = message.mutable_hello();
  hello->set_worker_id(input.ConsumeRandomLengthString(8));
  hello->set_device("cpu");
  hello->set_model_name(input.ConsumeRandomLengthString(8));
  hello->set_num_classes(input.ConsumeIntegralInRange(-1, 300));
  hello->set_regions_per_second(
      input.ConsumeFloatingPointInRange(-1.0f, 1000.0f));
  hello->set_max_in_flight(input.ConsumeIntegralInRange(-1, 8));
  hello->set_flow_path(input.ConsumeBool());
  return message;
}

v1::WorkerMessage FuzzedResult(FuzzedDataProvider& input, Worker& worker) {
  v1::WorkerMessage message;
  v1::RegionResult* result = message.mutable_result();
  const TaskMessage* task = nullptr;
  if (!worker.link->tasks.empty() && input.ConsumeIntegralInRange(0, 9) < 8) {
    task = &worker.link->tasks[input.ConsumeIntegralInRange<size_t>(
        0, worker.link->tasks.size() - 1)];
  }
  result->set_task_id(task ? task->task : input.ConsumeIntegral<uint64_t>());
  if (task && input.ConsumeIntegralInRange(0, 9) < 8) {
    // The region's size, RAW: what a well-behaved worker sends.
    for (v1::ImageData* plane :
         {result->mutable_labels(), result->mutable_confidence()}) {
      plane->set_encoding(v1::ENCODING_RAW);
      plane->set_width(task->image.width);
      plane->set_height(task->image.height);
      plane->set_channels(1);
      const size_t bytes =
          static_cast<size_t>(task->image.width) * task->image.height;
      std::string data = input.ConsumeBytesAsString(bytes);
      data.resize(bytes, static_cast<char>(input.ConsumeIntegral<uint8_t>()));
      plane->set_data(std::move(data));
      if (input.ConsumeBool()) break;  // often no confidence
    }
  } else {
    *result->mutable_labels() = FuzzedImage(input, 1);
  }
  result->set_compute_ms(input.ConsumeFloatingPoint<float>());
  result->set_path(static_cast<v1::Path>(input.ConsumeIntegralInRange(0, 3)));
  result->set_score(input.ConsumeFloatingPointInRange(-5.0f, 105.0f));
  result->set_key_frame_index(
      task && input.ConsumeBool()
          ? task->frame_index -
                std::min<uint64_t>(task->frame_index,
                                   input.ConsumeIntegralInRange(0, 3))
          : input.ConsumeIntegral<uint64_t>());
  return message;
}

}  // namespace
}  // namespace tessera::master

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  using namespace tessera::master;
  FuzzedDataProvider input(data, size);
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  MasterOptions options;
  options.clock = [&now] { return now; };
  options.frame_limits = {256, 256};
  options.max_queued_frames_limit = 16;
  options.default_stream.grid = {2, 2, 8};
  MasterCore core(options);

  std::vector<Client> clients(2);
  std::vector<Worker> workers(2);
  auto new_client = [&](Client& c) {
    c = Client();
    c.session = std::make_unique<ClientSession>(core, options.default_stream,
                                                Encoding::kRaw, c.link,
                                                [](v1::StreamResponse) {});
  };
  auto new_worker = [&](Worker& w) {
    if (w.session) w.session->Leave(absl::CancelledError("gone"));
    w = Worker();
    w.session = std::make_unique<WorkerSession>(
        core, 1000, DecodeLimits{256, 256}, w.link, [](v1::MasterMessage) {});
  };
  for (Client& c : clients) new_client(c);
  for (Worker& w : workers) new_worker(w);

  for (int step = 0; step < 200 && input.remaining_bytes() > 0; ++step) {
    Client& client = clients[input.ConsumeIntegralInRange(0, 1)];
    Worker& worker = workers[input.ConsumeIntegralInRange(0, 1)];
    auto to_client = [&](const v1::StreamRequest& request) {
      if (client.ended) return;
      absl::StatusOr<bool> more = client.session->Handle(request);
      if (!more.ok()) {  // what StreamReactor does with a violation
        if (std::optional<StreamId> id = client.session->stream_id()) {
          core.CloseInput(*id);
        }
        client.ended = true;
      }
    };
    auto to_worker = [&](const v1::WorkerMessage& message) {
      if (!worker.session->Handle(message).ok()) new_worker(worker);
    };
    switch (input.ConsumeIntegralInRange(0, 11)) {
      case 0:
        to_client(FuzzedConfig(input));
        break;
      case 1:
      case 2:
        to_client(FuzzedFrame(input, client));
        break;
      case 3: {
        v1::StreamRequest raw;
        const std::string bytes = input.ConsumeRandomLengthString(512);
        if (raw.ParseFromString(bytes)) to_client(raw);
        break;
      }
      case 4:  // the client finished sending, or went away
        if (std::optional<StreamId> id = client.session->stream_id()) {
          if (input.ConsumeBool()) {
            core.CloseInput(*id);
          } else {
            core.CancelStream(*id);
          }
        }
        new_client(client);
        break;
      case 5:
        to_worker(FuzzedHello(input));
        break;
      case 6:
      case 7:
        to_worker(FuzzedResult(input, worker));
        break;
      case 8: {
        v1::WorkerMessage failure;
        failure.mutable_failure()->set_task_id(
            worker.link->tasks.empty() ? input.ConsumeIntegral<uint64_t>()
                                       : worker.link->tasks.back().task);
        failure.mutable_failure()->set_code(input.ConsumeIntegral<int>());
        failure.mutable_failure()->set_message(
            input.ConsumeRandomLengthString(16));
        to_worker(failure);
        break;
      }
      case 9: {
        v1::WorkerMessage message;
        if (input.ConsumeBool()) {
          message.mutable_heartbeat()->set_in_flight(
              input.ConsumeIntegral<int>());
        } else if (!message.ParseFromString(
                       input.ConsumeRandomLengthString(512))) {
          break;
        }
        to_worker(message);
        break;
      }
      case 10:
        new_worker(worker);  // the worker's link ends
        break;
      case 11:
        now += absl::Milliseconds(input.ConsumeIntegralInRange(0, 20000));
        core.Tick(now);
        break;
    }
  }
  for (Worker& w : workers) w.session->Leave(absl::CancelledError("done"));
  for (Client& c : clients) {
    if (std::optional<StreamId> id = c.session->stream_id()) {
      core.CancelStream(*id);
    }
  }
  return 0;
}
