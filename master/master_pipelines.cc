// MasterCore's pipelines (issue 9): which stage-serving workers run a
// network together, and taking them apart when one leaves.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "master/master_core.h"

namespace tessera::master {

void MasterCore::FormPipelinesLocked() {
  const int stages = options_.pipeline_stages;
  if (stages < 2) return;
  // Idle stage servers by model, in the order they joined (WorkerIds grow).
  std::map<std::string, std::vector<WorkerId>> idle;
  for (const auto& [id, entry] : workers_) {
    if (entry.hello.stage_serving && pipeline_of_.count(id) == 0) {
      idle[entry.hello.model].push_back(id);
    }
  }
  for (auto& [model, candidates] : idle) {
    for (size_t first = 0; first + stages <= candidates.size();
         first += stages) {
      std::vector<WorkerId> members(candidates.begin() + first,
                                    candidates.begin() + first + stages);
      std::vector<const StageServingInfo*> serving;
      for (WorkerId id : members) {
        serving.push_back(&*workers_.at(id).hello.stage_serving);
      }
      absl::StatusOr<PipelinePlan> plan = PlanPipeline(serving);
      if (!plan.ok()) {
        TLOG(WARNING) << "no pipeline of model " << model << ": "
                      << plan.status().message();
        break;
      }
      const std::string id = absl::StrFormat("p%d", next_pipeline_++);
      std::vector<std::string> names;
      for (int stage = 0; stage < stages; ++stage) {
        const WorkerId worker = members[stage];
        WorkerEntry& entry = workers_.at(worker);
        names.push_back(absl::StrFormat("%s %.1f ms", entry.hello.name,
                                        plan->stage_ms[stage]));
        StagePlanMessage message{
            .plan_id = id,
            .cuts = plan->cuts,
            .stage = stage,
            .stages = stages,
            .next_address = stage + 1 < stages
                                ? workers_.at(members[stage + 1])
                                      .hello.stage_serving->address
                                : "",
            .wire_fp16 = options_.pipeline_fp16};
        entry.link->SendPlan(message);
        pipeline_of_[worker] = id;
        // Only the head takes regions, enough of them to keep every stage
        // busy; the others serve it.
        if (stage == 0) {
          (void)scheduler_.SetInFlightFactor(worker, stages);
        } else {
          (void)scheduler_.SetParked(worker, true);
        }
      }
      TLOG(INFO) << "pipeline " << id << " of model " << model << ": "
                 << absl::StrJoin(names, " -> ") << " (cuts before "
                 << absl::StrJoin(plan->cuts, ", ") << "; slowest stage "
                 << absl::StrFormat("%.1f", plan->bound_ms) << " ms)";
      pipelines_[id] = {members, *std::move(plan)};
      ++counters_.pipelines_formed;
    }
  }
}

void MasterCore::DissolvePipelineLocked(const std::string& id,
                                        const std::string& why) {
  auto it = pipelines_.find(id);
  if (it == pipelines_.end()) return;
  int released = 0;
  for (WorkerId member : it->second.members) {
    auto worker = workers_.find(member);
    if (worker == workers_.end()) continue;  // the one that left
    pipeline_of_.erase(member);
    worker->second.link->SendPlan(StagePlanMessage{});
    (void)scheduler_.SetParked(member, false);
    (void)scheduler_.SetInFlightFactor(member, 1);
    ++released;
  }
  pipelines_.erase(it);
  ++counters_.pipelines_dissolved;
  TLOG(WARNING) << "pipeline " << id << " dissolved (" << why << "); "
                << released
                << " worker(s) back on the whole model, its regions in "
                   "flight requeued as they fail";
  FormPipelinesLocked();
}

}  // namespace tessera::master
