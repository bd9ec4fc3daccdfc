// The step an approval reviews: what a `tweak` decision refines, an edit replaces and an inbox
// shows the person to judge. Pure; thread-safe.
#pragma once

#include <string>

#include "atelier/core/graph.h"

namespace atelier {

// The node id approval node `node` reviews: its data.tweak_step when set, else the nearest
// generative node upstream (breadth first along incoming edges, in edge order). "" when there
// is none (or `node` is out of range).
std::string ApprovalTarget(const Graph& g, int node);

}  // namespace atelier
