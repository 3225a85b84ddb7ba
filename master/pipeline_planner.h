// Where to cut a segmentation network so that each worker of a pipeline
// gets an equal share of the work (issue 9). Pure logic: the workers' own
// timings of the model's pieces go in, cuts come out.
//
// A worker that can serve stages reports the model's cut points and what
// each piece between two of them takes on its device. For a pipeline of n
// such workers, in order, the planner picks n - 1 of the cut points so that
// the slowest stage (on the worker that runs it) is as fast as it can be:
// that stage bounds the pipeline's throughput.
//
//   ASSIGN_OR_RETURN(PipelinePlan plan, PlanPipeline({&head, &second}));
//   plan.cuts;      // {"s32"}: stage 0 runs up to s32 on `head`
//   plan.stage_ms;  // each stage's time on its worker
#ifndef TESSERA_MASTER_PIPELINE_PLANNER_H_
#define TESSERA_MASTER_PIPELINE_PLANNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tessera::master {

// What a worker said about serving stages (tessera.v1.StageServing).
struct StageServingInfo {
  std::string address;                  // its Pipeline service
  std::vector<std::string> cut_points;  // in call order
  std::vector<double> piece_ms;         // piece i: cut_points[i] to [i + 1]
};

struct PipelinePlan {
  std::vector<std::string> cuts;  // stages - 1 cut points
  std::vector<double> stage_ms;   // per stage, on the worker running it
  double bound_ms = 0;            // the slowest stage: one region per bound
};

// The cuts for these workers in this order (stage i on workers[i]).
// INVALID_ARGUMENT when a worker's timings do not match its cut points, the
// workers disagree on the cut points (not the same model), or the model has
// fewer pieces than there are workers.
absl::StatusOr<PipelinePlan> PlanPipeline(
    const std::vector<const StageServingInfo*>& workers);

}  // namespace tessera::master

#endif  // TESSERA_MASTER_PIPELINE_PLANNER_H_
