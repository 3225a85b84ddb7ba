#include "master/pipeline_planner.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace tessera::master {

absl::StatusOr<PipelinePlan> PlanPipeline(
    const std::vector<const StageServingInfo*>& workers) {
  if (workers.empty()) {
    return absl::InvalidArgumentError("a pipeline needs at least one worker");
  }
  const std::vector<std::string>& points = workers.front()->cut_points;
  for (const StageServingInfo* worker : workers) {
    if (worker->piece_ms.size() != worker->cut_points.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "stage worker %s timed %d pieces for %d cut points", worker->address,
          worker->piece_ms.size(), worker->cut_points.size()));
    }
    if (worker->cut_points != points) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "stage workers disagree on the model's cut points: %s has [%s], "
          "%s has [%s]",
          workers.front()->address, absl::StrJoin(points, ", "),
          worker->address, absl::StrJoin(worker->cut_points, ", ")));
    }
  }
  const int stages = static_cast<int>(workers.size());
  const int pieces = static_cast<int>(points.size());
  if (pieces < stages) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the model has %d pieces, too few for %d stages", pieces, stages));
  }

  // cost(s, a, b): pieces [a, b) on stage s's worker.
  auto cost = [&](int s, int a, int b) {
    double sum = 0;
    for (int i = a; i < b; ++i) sum += workers[s]->piece_ms[i];
    return sum;
  };
  // best[s][b]: the slowest stage of the best split of pieces [0, b) over
  // stages [0, s]; from[s][b] where stage s begins in it.
  constexpr double kNone = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> best(stages,
                                        std::vector<double>(pieces + 1, kNone));
  std::vector<std::vector<int>> from(stages, std::vector<int>(pieces + 1, 0));
  for (int b = 1; b <= pieces; ++b) best[0][b] = cost(0, 0, b);
  for (int s = 1; s < stages; ++s) {
    for (int b = s + 1; b <= pieces; ++b) {
      for (int a = s; a < b; ++a) {
        const double slowest = std::max(best[s - 1][a], cost(s, a, b));
        if (slowest < best[s][b]) {
          best[s][b] = slowest;
          from[s][b] = a;
        }
      }
    }
  }
  PipelinePlan plan;
  plan.bound_ms = best[stages - 1][pieces];
  std::vector<int> starts(stages, 0);
  for (int s = stages - 1, b = pieces; s > 0; --s) {
    starts[s] = from[s][b];
    b = starts[s];
  }
  for (int s = 0; s < stages; ++s) {
    const int end = s + 1 < stages ? starts[s + 1] : pieces;
    if (s > 0) plan.cuts.push_back(points[starts[s]]);
    plan.stage_ms.push_back(cost(s, starts[s], end));
  }
  return plan;
}

}  // namespace tessera::master
