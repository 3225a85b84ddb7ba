// Every RPC validates what it receives: bad frames, bad worker messages and
// bad flags each get a specific status and message, and the processes keep
// serving everyone else.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/image_codec.h"
#include "common/search_radius.h"
#include "common/transport_args.h"
#include "common/wire.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tessera/v1/tessera.grpc.pb.h"
#include "tests/integration/local_cluster.h"
#include "tools/dn_samples_csv.h"
#include "tools/test_models.h"

namespace tessera::testing {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<grpc::Channel> Channel(const LocalCluster& cluster) {
  return grpc::CreateCustomChannel(cluster.address(),
                                   grpc::InsecureChannelCredentials(),
                                   PixelChannelArguments());
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
}

v1::StreamRequest FrameRequest(uint64_t index, v1::ImageData image) {
  v1::StreamRequest request;
  request.mutable_frame()->set_index(index);
  *request.mutable_frame()->mutable_image() = std::move(image);
  return request;
}

v1::ImageData GoodFrame() {
  return *EncodeImageData(Image::Create(64, 48, 3), Encoding::kPng);
}

v1::ImageData Raw(int width, int height, int channels, size_t bytes) {
  v1::ImageData data;
  data.set_encoding(v1::ENCODING_RAW);
  data.set_width(width);
  data.set_height(height);
  data.set_channels(channels);
  data.set_data(std::string(bytes, '\x40'));
  return data;
}

TEST(BadInputTest, BadFramesGetTheirOwnErrorsAndTheStreamGoesOn) {
  LocalCluster cluster({.workers = 1, .name = "badframes"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  auto stub = v1::Segmentation::NewStub(Channel(cluster));
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = stub->Stream(&context);

  v1::ImageData corrupt;
  corrupt.set_encoding(v1::ENCODING_JPEG);
  corrupt.set_data("\xff\xd8\xff garbage");
  v1::ImageData unknown = GoodFrame();
  unknown.set_encoding(static_cast<v1::Encoding>(99));
  v1::ImageData empty;
  empty.set_encoding(v1::ENCODING_PNG);
  std::vector<v1::StreamRequest> requests = {
      FrameRequest(0, GoodFrame()),
      FrameRequest(1, corrupt),
      FrameRequest(2, Raw(10, 10, 3, 7)),        // payload too short
      FrameRequest(3, Raw(9000, 9000, 3, 30)),   // absurd size
      FrameRequest(4, Raw(64, 48, 1, 64 * 48)),  // one channel
      FrameRequest(5, unknown),
      FrameRequest(6, empty),
      FrameRequest(7, GoodFrame()),
  };
  for (const v1::StreamRequest& request : requests) {
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::vector<v1::StreamResponse> responses;
  v1::StreamResponse response;
  while (stream->Read(&response)) {
    if (!response.has_accepted()) responses.push_back(response);
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), 8u);
  EXPECT_TRUE(responses[0].has_result());
  EXPECT_TRUE(responses[7].has_result());
  struct Expected {
    int code;
    const char* text;
  };
  const Expected expected[] = {
      {grpc::INVALID_ARGUMENT, "frame 1"},
      {grpc::INVALID_ARGUMENT, "frame 2"},
      {grpc::RESOURCE_EXHAUSTED, "frame 3"},
      {grpc::INVALID_ARGUMENT, "has 1 channels, expected 3"},
      {grpc::INVALID_ARGUMENT, "unknown image encoding 99"},
      {grpc::INVALID_ARGUMENT, "empty"},
  };
  for (int i = 0; i < 6; ++i) {
    const v1::StreamResponse& r = responses[i + 1];
    ASSERT_TRUE(r.has_error()) << i;
    EXPECT_EQ(r.error().index(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(r.error().code(), expected[i].code) << r.error().message();
    EXPECT_THAT(r.error().message(), HasSubstr(expected[i].text));
  }
}

TEST(BadInputTest, ProtocolViolationEndsTheStreamAfterAcceptedFrames) {
  LocalCluster cluster({.workers = 1, .name = "protocol"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  auto stub = v1::Segmentation::NewStub(Channel(cluster));
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = stub->Stream(&context);
  ASSERT_TRUE(stream->Write(FrameRequest(5, GoodFrame())));
  ASSERT_TRUE(stream->Write(FrameRequest(3, GoodFrame())));  // backwards
  int results = 0;
  v1::StreamResponse response;
  while (stream->Read(&response)) results += response.has_result();
  grpc::Status status = stream->Finish();
  EXPECT_EQ(results, 1);  // frame 5 was accepted and still answered
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("frame index 3 is not after the previous index 5"));
}

// A hand-driven worker connection.
class FakeWorker {
 public:
  explicit FakeWorker(const LocalCluster& cluster)
      : stub_(v1::Cluster::NewStub(Channel(cluster))) {
    SetDeadline(context_);
    stream_ = stub_->Join(&context_);
  }
  bool Send(const v1::WorkerMessage& message) {
    return stream_->Write(message);
  }
  bool Hello(float speed = 10) {
    v1::WorkerMessage message;
    message.mutable_hello()->set_worker_id("fake");
    message.mutable_hello()->set_num_classes(11);
    message.mutable_hello()->set_regions_per_second(speed);
    message.mutable_hello()->set_max_in_flight(4);
    return Send(message);
  }
  bool Read(v1::MasterMessage* message) { return stream_->Read(message); }
  grpc::Status Finish() {
    v1::MasterMessage ignored;
    while (stream_->Read(&ignored)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::Cluster::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>>
      stream_;
};

TEST(BadInputTest, WorkersMustSayHelloFirstAndMakeSense) {
  LocalCluster cluster({.workers = 0, .name = "hello"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  {
    FakeWorker worker(cluster);
    v1::WorkerMessage beat;
    beat.mutable_heartbeat();
    ASSERT_TRUE(worker.Send(beat));
    grpc::Status status = worker.Finish();
    EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(), HasSubstr("must be its hello"));
  }
  {
    FakeWorker worker(cluster);
    ASSERT_TRUE(worker.Hello(/*speed=*/0));
    grpc::Status status = worker.Finish();
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("must be positive"));
  }
  {
    FakeWorker worker(cluster);
    ASSERT_TRUE(worker.Hello());
    v1::MasterMessage accepted;
    ASSERT_TRUE(worker.Read(&accepted));
    EXPECT_TRUE(accepted.has_accepted());
    v1::WorkerMessage result;
    result.mutable_result()->set_task_id(424242);
    *result.mutable_result()->mutable_labels() = Raw(4, 4, 1, 16);
    ASSERT_TRUE(worker.Send(result));
    grpc::Status status = worker.Finish();
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(),
                HasSubstr("task 424242 was never sent"));
  }
}

TEST(BadInputTest, AWorkerSendingWrongLabelsIsDroppedAndItsRegionRedone) {
  LocalCluster cluster({.workers = 0, .name = "wronglabels"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  FakeWorker liar(cluster);
  ASSERT_TRUE(liar.Hello());
  v1::MasterMessage message;
  ASSERT_TRUE(liar.Read(&message));  // accepted

  auto stub = v1::Segmentation::NewStub(Channel(cluster));
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = stub->Stream(&context);
  ASSERT_TRUE(stream->Write(FrameRequest(0, GoodFrame())));
  stream->WritesDone();

  ASSERT_TRUE(liar.Read(&message));
  ASSERT_TRUE(message.has_task());
  v1::WorkerMessage result;
  result.mutable_result()->set_task_id(message.task().task_id());
  *result.mutable_result()->mutable_labels() = Raw(3, 3, 1, 9);
  ASSERT_TRUE(liar.Send(result));
  grpc::Status status = liar.Finish();
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("labels 3x3x1"));

  // An honest worker arrives and the frame is completed.
  cluster.AddWorker();
  v1::StreamResponse response;
  int results = 0;
  while (stream->Read(&response)) results += response.has_result();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(results, 1);
}

TEST(BadInputTest, HealthServiceAnswers) {
  LocalCluster cluster({.workers = 0, .name = "health"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  // grpc.health.v1.Health/Check with an empty request (service ""); the
  // answer SERVING encodes as the two bytes 08 01.
  grpc::Slice no_bytes(std::string{});
  grpc::ByteBuffer request(&no_bytes, 1);
  auto channel = Channel(cluster);
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::ByteBuffer response;
  grpc::Status status;
  bool done = false;
  std::mutex mu;
  std::condition_variable cv;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", {}, &request,
                    &response, [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// A port nothing listens on (yet).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

TEST(BadInputTest, AWorkerWithNoMasterRetriesWithBackoffUntilOneComes) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  const std::string master = "127.0.0.1:" + std::to_string(port);
  Subprocess worker({TESSERA_WORKER_BINARY, "--backend=null",
                     "--master=" + master, "--name=patient"},
                    "no-master-worker");
  // One line per attempt, each naming the master, the attempt and a wait
  // that doubles.
  ASSERT_TRUE(WaitForLog(worker, "(attempt 3); retrying in 1s", 40000))
      << worker.log();
  const std::string log = worker.log();
  EXPECT_THAT(log, HasSubstr("cannot reach master " + master +
                             " (attempt 1); retrying in 250ms"));
  EXPECT_THAT(log, HasSubstr("(attempt 2); retrying in 500ms"));
  size_t lines = 0;
  for (size_t at = log.find("cannot reach master"); at != std::string::npos;
       at = log.find("cannot reach master", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 3u) << log;
  EXPECT_LE(lines, 4u) << log;  // the next may have come meanwhile
  EXPECT_TRUE(worker.running());
  // The master comes up: the worker joins it by itself.
  Subprocess late_master({TESSERA_MASTER_BINARY, "--listen=" + master,
                          "--http_listen=127.0.0.1:0"},
                         "late-master");
  EXPECT_TRUE(WaitForLog(worker, "registered with master " + master, 30000))
      << worker.log();
  EXPECT_TRUE(WaitForLog(late_master, "worker patient joined", 5000))
      << late_master.log();
}

TEST(BadInputTest, BadFlagsAndModelsStopProcessesWithOneLine) {
  struct Case {
    std::vector<std::string> argv;
    const char* text;
  };
  const std::string broken = TempDir() + "/broken.pt";
  std::ofstream(broken) << "not a model";
  ASSERT_TRUE(tools::WriteRandomModel(TempDir() + "/ok.pt", {}).ok());
  std::filesystem::copy_file(TempDir() + "/ok.card.json",
                             TempDir() + "/broken.card.json",
                             std::filesystem::copy_options::overwrite_existing);
  // Samples whose warps searched 11x5 where colours differed by more than
  // 12, for fits that say 11 or 20.
  tools::DnSampleSets samples;
  samples.origin.segmentation_model = "random-fcn";  // ok.pt's card
  samples.origin.flow = "dis-ultrafast@1";
  samples.origin.carried_warps = true;  // tessera-train-dn's defaults
  samples.origin.window_margin = 16;
  samples.origin.warp_radius = SearchRadius(11, 5);
  samples.origin.warp_colour_threshold = 12;
  samples.train = samples.val = {tools::DnSample{}};
  const std::string samples_csv = TempDir() + "/samples-11x5.csv";
  ASSERT_TRUE(tools::WriteDnSamplesCsv(samples_csv, samples).ok());
  const std::vector<Case> cases = {
      {{TESSERA_MASTER_BINARY, "--grid=2y2"}, "--grid=2y2: expected ROWSxCOLS"},
      {{TESSERA_MASTER_BINARY, "--stitch=best"}, "--stitch=best"},
      {{TESSERA_MASTER_BINARY, "--max_queued_frames=0"}, "--max_queued_frames"},
      {{TESSERA_WORKER_BINARY, "--max_in_flight=0"}, "--max_in_flight"},
      // Refused before the (broken) model is loaded.
      {{TESSERA_WORKER_BINARY, "--model=" + broken, "--warp_radius=seven"},
       "--warp_radius=seven: must be 0..16, or ACROSSxUPDOWN such as 10x7 "
       "(each 0..16), or auto"},
      // Refused before the (broken) model is loaded.
      {{TESSERA_TRAIN_DN_BINARY, "--model=" + broken, "--train=synth:1",
        "--val=synth:2", "--warp_radius=11y5"},
       // The worker's message adds ", or auto": tessera-train-dn's must not.
       "--warp_radius=11y5: must be 0..16, or ACROSSxUPDOWN such as 10x7 "
       "(each 0..16)\n"},
      {{TESSERA_TRAIN_DN_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--warp_radius=11", "--samples_from=" + samples_csv,
        // Were the fit to go ahead, its network must not land beside ok.pt.
        "--out=" + TempDir() + "/unused.dn.json"},
       "samples-11x5.csv holds warps searching 11x5 pixels, but "
       "--warp_radius=11"},
      {{TESSERA_TRAIN_DN_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--warp_radius=11x5", "--samples_from=" + samples_csv,
        "--out=" + TempDir() + "/unused.dn.json"},
       "samples-11x5.csv holds warps with colour threshold 12, but "
       "--warp_colour_threshold=20"},
      {{TESSERA_WORKER_BINARY, "--model=" + broken,
        "--warp_colour_threshold=loose"},
       "--warp_colour_threshold=loose: must be 0..765 (L1 over RGB), or "
       "auto"},
      {{TESSERA_TRAIN_DN_BINARY, "--model=" + broken, "--train=synth:1",
        "--val=synth:2", "--warp_colour_threshold=766"},
       "--warp_colour_threshold=766: must be 0..765 (L1 over RGB)\n"},
      {{TESSERA_WORKER_BINARY, "--model=" + broken,
        "--warp_fill_threshold=half"},
       "--warp_fill_threshold=half: must be 0..765 (L1 over RGB) or off, or "
       "auto"},
      {{TESSERA_TRAIN_DN_BINARY, "--model=" + broken, "--train=synth:1",
        "--val=synth:2", "--warp_fill_threshold=766"},
       "--warp_fill_threshold=766: must be 0..765 (L1 over RGB) or off\n"},
      {{TESSERA_WORKER_BINARY, "--max_batch=0"},
       "--max_batch must be within 1..256"},
      {{TESSERA_WORKER_BINARY, "--model=" + TempDir() + "/missing.pt"},
       "missing.card.json does not exist"},
      {{TESSERA_WORKER_BINARY, "--model=" + broken},
       "cannot load TorchScript model"},
      {{TESSERA_WORKER_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--device=cuda"},
       "no CUDA"},
      {{TESSERA_MASTER_BINARY, "--schedule=random"},
       "--schedule=random: expected speed or fifo"},
      {{TESSERA_WORKER_BINARY, "--backend=null",
        "--device_profile=/nonexistent/pi.json"},
       "device profile /nonexistent/pi.json does not exist"},
      {{TESSERA_MASTER_BINARY, "--pipeline_stages=-1"},
       "--pipeline_stages=-1 --pipeline_wire=fp16: stages 0..16"},
      {{TESSERA_MASTER_BINARY, "--pipeline_wire=int8"}, "wire fp16 or fp32"},
      {{TESSERA_WORKER_BINARY, "--backend=null", "--flow=none",
        "--stage_listen=127.0.0.1:0"},
       "--stage_listen needs the torchscript backend"},
      {{TESSERA_WORKER_BINARY, "--model=" + TempDir() + "/ok.pt", "--flow=none",
        "--stage_listen=127.0.0.1:0"},
       "nothing to cut into stages"},
      {{TESSERA_STREAM_BINARY}, "--source is required"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--configs=single,1000"},
       "1+1000 needs about"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--profile=abacus"},
       "unknown device profile 'abacus'"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--configs=single,2/fastest"},
       "unknown variant 'fastest'"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--thresholds=off,ninety"},
       "--thresholds: 'ninety' is neither 'off' nor a percentage 0..100"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt", "--mode=seg",
        "--thresholds=80,90"},
       "--thresholds sweeps the flow path"},
      {{TESSERA_BENCH_BINARY, "--model=" + TempDir() + "/ok.pt",
        "--clip=/nonexistent/clip"},
       "--clip=/nonexistent/clip does not exist"},
      {{TESSERA_STREAM_BINARY, "--source=/nonexistent/clip.mp4"},
       "no such file or folder"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Subprocess process(cases[i].argv, "flags-" + std::to_string(i));
    const int code = process.Wait(30000);
    EXPECT_GT(code, 0) << cases[i].argv[1];
    EXPECT_LT(code, 128) << "crashed: " << process.log();
    const std::string log = process.log();
    EXPECT_THAT(log, HasSubstr(cases[i].text));
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  }
}

}  // namespace
}  // namespace tessera::testing
