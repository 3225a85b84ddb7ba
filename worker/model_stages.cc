#include "worker/model_stages.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "worker/torch_util.h"

namespace tessera::worker {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

// "stem.0" for a value that is the module's attribute stem, attribute 0;
// "" for the module itself; nullopt for anything else.
std::optional<std::string> AttributePath(const Value* value,
                                         const Value* self) {
  if (value == self) return std::string();
  const Node* node = value->node();
  if (node->kind() != c10::prim::GetAttr) return std::nullopt;
  std::optional<std::string> owner = AttributePath(node->input(0), self);
  if (!owner) return std::nullopt;
  const std::string& name = node->s(c10::attr::name);
  return owner->empty() ? name : *owner + "." + name;
}

// The submodule whose forward `node` calls ("s16", "stem.0"), or "".
std::string CalledSubmodule(const Node* node, const Value* self) {
  if (node->kind() != c10::prim::CallMethod ||
      node->s(c10::attr::name) != "forward") {
    return "";
  }
  return AttributePath(node->input(0), self).value_or("");
}

// Constants and the module's own attributes: every stage makes these for
// itself instead of receiving them.
bool IsFree(const Node* node, const Value* self) {
  if (node->kind() == c10::prim::Constant) return true;
  return node->kind() == c10::prim::GetAttr &&
         AttributePath(node->output(), self).has_value();
}

// The node of the graph's top block that holds `node`.
const Node* TopLevel(const Node* node, const Block* top) {
  while (node->owningBlock() != top) node = node->owningBlock()->owningNode();
  return node;
}

// Where each value of the top block is made and last needed, in stages:
// the network's input is made in stage -1, the graph's outputs are needed
// in stage `count` (after the last).
struct Liveness {
  std::unordered_map<const Value*, int> made;
  std::unordered_map<const Value*, int> last_needed;
  std::vector<const Value*> in_order;  // input first, then as made
};

}  // namespace

struct ModelStages::Stage {
  StageInfo info;
  std::unique_ptr<torch::jit::GraphFunction> function;
};

ModelStages::ModelStages(torch::jit::Module module,
                         std::vector<std::unique_ptr<Stage>> stages)
    : module_(std::move(module)), stages_(std::move(stages)) {}
ModelStages::ModelStages(ModelStages&&) noexcept = default;
ModelStages& ModelStages::operator=(ModelStages&&) noexcept = default;
ModelStages::~ModelStages() = default;

int ModelStages::count() const { return static_cast<int>(stages_.size()); }

const StageInfo& ModelStages::info(int stage) const {
  return stages_.at(stage)->info;
}

absl::StatusOr<std::vector<std::string>> ModelStages::CutPoints(
    const torch::jit::Module& module) {
  try {
    std::shared_ptr<Graph> graph = module.get_method("forward").graph();
    const Value* self = graph->inputs().at(0);
    std::vector<std::string> points;
    for (const Node* node : graph->nodes()) {
      std::string called = CalledSubmodule(node, self);
      if (!called.empty()) points.push_back(std::move(called));
    }
    return points;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the model has no forward graph to cut: %s", FirstLine(e.what())));
  }
}

absl::StatusOr<ModelStages> ModelStages::Cut(
    torch::jit::Module module, const std::vector<std::string>& cuts) {
  absl::StatusOr<std::vector<std::string>> points = CutPoints(module);
  if (!points.ok()) return points.status();
  const std::string known = absl::StrJoin(*points, ", ");
  std::shared_ptr<Graph> graph = module.get_method("forward").graph();
  const Value* self = graph->inputs().at(0);

  // Each node of the top block goes to the stage it runs in.
  std::unordered_map<const Node*, int> stage_of;
  std::vector<std::vector<Node*>> nodes(1);
  std::vector<StageInfo> infos(1);
  size_t next_cut = 0;
  for (Node* node : graph->nodes()) {
    if (IsFree(node, self)) continue;
    const std::string called = CalledSubmodule(node, self);
    if (next_cut < cuts.size() && called == cuts[next_cut]) {
      if (nodes.back().empty()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "cut before '%s' leaves stage %d empty; cut points in call "
            "order: %s",
            called, nodes.size() - 1, known));
      }
      nodes.emplace_back();
      infos.emplace_back();
      ++next_cut;
    }
    stage_of[node] = static_cast<int>(nodes.size()) - 1;
    nodes.back().push_back(node);
    if (!called.empty()) infos.back().submodules.push_back(called);
  }
  if (next_cut < cuts.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cut '%s' is not a submodule forward calls%s; cut points in call "
        "order: %s",
        cuts[next_cut],
        next_cut == 0 ? "" : absl::StrFormat(" after '%s'", cuts[next_cut - 1]),
        known));
  }
  const int count = static_cast<int>(nodes.size());

  Liveness live;
  auto note_uses = [&](const Value* value, int made) {
    live.made[value] = made;
    live.in_order.push_back(value);
    int last = made;
    for (const torch::jit::Use& use : value->uses()) {
      const Node* user = TopLevel(use.user, graph->block());
      last = std::max(last,
                      user == graph->return_node() ? count : stage_of.at(user));
    }
    live.last_needed[value] = last;
  };
  for (size_t i = 1; i < graph->inputs().size(); ++i) {
    note_uses(graph->inputs()[i], -1);
  }
  for (int s = 0; s < count; ++s) {
    for (const Node* node : nodes[s]) {
      for (const Value* out : node->outputs()) note_uses(out, s);
    }
  }
  // What crosses the cut before stage `s`: made before it, needed from it on.
  auto crossing = [&](int s) {
    std::vector<const Value*> values;
    for (const Value* value : live.in_order) {
      if (live.made.at(value) < s && live.last_needed.at(value) >= s) {
        values.push_back(value);
      }
    }
    return values;
  };
  auto name_of = [&](const Value* value) -> std::string {
    if (value->node()->kind() == c10::prim::Param) return "input";
    const std::string called = CalledSubmodule(value->node(), self);
    return called.empty() ? "%" + value->debugName() : called;
  };

  std::vector<std::unique_ptr<Stage>> stages;
  for (int s = 0; s < count; ++s) {
    const std::vector<const Value*> inputs = crossing(s);
    std::vector<const Value*> outputs;
    if (s + 1 < count) {
      outputs = crossing(s + 1);
    } else {
      for (const Value* value : graph->outputs()) outputs.push_back(value);
    }
    for (const Value* value : outputs) {
      if (s + 1 < count &&
          !value->type()->isSubtypeOf(*c10::TensorType::get())) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the cut before '%s' would carry %s, a %s, not a tensor; cut "
            "points in call order: %s",
            cuts[s], name_of(value), value->type()->str(), known));
      }
    }

    auto stage_graph = std::make_shared<Graph>();
    std::unordered_map<const Value*, Value*> env;
    Value* stage_self = stage_graph->addInput("self");
    stage_self->setType(self->type());
    env[self] = stage_self;
    auto stage = std::make_unique<Stage>();
    stage->info = std::move(infos[s]);
    for (const Value* value : inputs) {
      Value* input = stage_graph->addInput();
      input->setType(value->type());
      env[value] = input;
      stage->info.inputs.push_back(name_of(value));
    }
    // Values from outside the stage: its inputs, or free nodes cloned on
    // first use (before the node that needs them is inserted).
    std::function<Value*(Value*)> map = [&](Value* value) -> Value* {
      auto found = env.find(value);
      if (found != env.end()) return found->second;
      Node* made_by = value->node();
      if (!IsFree(made_by, self)) {
        throw std::logic_error("stage input not carried: %" +
                               value->debugName());
      }
      Node* copy =
          stage_graph->insertNode(stage_graph->createClone(made_by, map));
      for (size_t i = 0; i < made_by->outputs().size(); ++i) {
        env[made_by->output(i)] = copy->output(i);
      }
      return env.at(value);
    };
    try {
      for (Node* node : nodes[s]) {
        Node* copy =
            stage_graph->insertNode(stage_graph->createClone(node, map));
        for (size_t i = 0; i < node->outputs().size(); ++i) {
          env[node->output(i)] = copy->output(i);
        }
      }
      std::vector<Value*> results;
      for (const Value* value : outputs) {
        results.push_back(map(const_cast<Value*>(value)));
        stage->info.outputs.push_back(name_of(value));
      }
      stage_graph->registerOutput(
          stage_graph->insertNode(stage_graph->createTuple(results))->output());
      stage_graph->lint();
    } catch (const std::exception& e) {
      return absl::InternalError(
          absl::StrFormat("stage %d of %d could not be built: %s", s, count,
                          FirstLine(e.what())));
    }
    stage->function = std::make_unique<torch::jit::GraphFunction>(
        c10::QualifiedName(absl::StrFormat("tessera_stage_%d", s)), stage_graph,
        nullptr);
    stages.push_back(std::move(stage));
  }
  return ModelStages(std::move(module), std::move(stages));
}

absl::StatusOr<std::vector<at::Tensor>> ModelStages::Run(
    int stage, const std::vector<at::Tensor>& inputs) const {
  if (stage < 0 || stage >= count()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "stage %d does not exist: the model has %d stages", stage, count()));
  }
  const Stage& run = *stages_[stage];
  if (inputs.size() != run.info.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "stage %d takes %d tensors (%s), got %d", stage, run.info.inputs.size(),
        absl::StrJoin(run.info.inputs, ", "), inputs.size()));
  }
  try {
    c10::InferenceMode inference;
    torch::jit::Stack stack;
    stack.emplace_back(module_._ivalue());
    for (const at::Tensor& input : inputs) stack.emplace_back(input);
    run.function->run(stack);
    std::vector<at::Tensor> outputs;
    for (const c10::IValue& value : stack.back().toTupleRef().elements()) {
      outputs.push_back(value.toTensor());
    }
    return outputs;
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrFormat("stage %d failed: %s", stage, FirstLine(e.what())));
  }
}

}  // namespace tessera::worker
