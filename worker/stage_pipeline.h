// This worker's part in a pipelined segmentation network (issue 9), free of
// LibTorch so that the worker's gRPC code can hold it. The master hands out
// plans (tessera.v1.StagePlan): the worker at stage 0 heads the pipeline,
// running stage 0 of each region and sending what crosses the first cut to
// the next stage's worker; a worker at stage k > 0 serves Pipeline.Forward,
// runs stage k and passes its tensors on; the last stage answers with the
// network's outputs, which travel back along the chain to the head. With no
// plan the worker runs the whole model.
//
// The implementation lives with the segmenter (worker/torch_stage_pipeline.h):
// it shares the segmenter's module, device and precision.
//
//   std::shared_ptr<StagePipeline> pipeline = segmenter->stage_pipeline();
//   ASSIGN_OR_RETURN(v1::StageServing serving,
//                    pipeline->Measure(256, "worker-3:7700"));  // in hello
//   RETURN_IF_ERROR(pipeline->SetPlan(plan));                   // from master
//   absl::StatusOr<v1::StageActivations> out = pipeline->Serve(in);  // gRPC
#ifndef TESSERA_WORKER_STAGE_PIPELINE_H_
#define TESSERA_WORKER_STAGE_PIPELINE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tessera/v1/stage.pb.h"

namespace tessera::worker {

class DevicePacer;  // worker/device_profile.h

class StagePipeline {
 public:
  virtual ~StagePipeline() = default;

  // Where the model can be cut and what each piece between two cut points
  // takes on this device for a probe_size x probe_size input, for the
  // master's planner. `address` is where this worker's Pipeline service is
  // reached.
  virtual absl::StatusOr<v1::StageServing> Measure(
      int probe_size, const std::string& address) = 0;

  // Takes the master's plan (an empty plan_id: none). INVALID_ARGUMENT
  // naming the problem for cuts the model refuses, a stage outside the plan,
  // or a missing next address; the previous plan then stays.
  virtual absl::Status SetPlan(const v1::StagePlan& plan) = 0;
  virtual std::string plan_id() const = 0;
  // This worker holds stage 0 of a plan of two or more stages.
  virtual bool heads_pipeline() const = 0;

  // Emulated devices (tessera-worker --device_profile): each stage then
  // takes its share of the profile's segmentation time (its pieces' share
  // of the measured whole), and Measure reports piece times scaled to the
  // profile. Call before Measure.
  virtual void EmulateWith(std::shared_ptr<DevicePacer> pacer) = 0;

  // One region's tensors from the previous stage: runs this worker's stage
  // and returns the network's outputs (from later stages when this is not
  // the last). FAILED_PRECONDITION for tensors of another plan (or none
  // held), INVALID_ARGUMENT for tensors that do not fit the stage,
  // UNAVAILABLE naming the next stage's address when it cannot be reached.
  virtual absl::StatusOr<v1::StageActivations> Serve(
      const v1::StageActivations& in) = 0;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_STAGE_PIPELINE_H_
