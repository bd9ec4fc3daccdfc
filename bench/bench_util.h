// What the benchmark programs share: the templates they run and how they summarise runs.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "atelier/core/template.h"

namespace atelier::bench {

// start -> n no-op (transform) steps in a row: s0, s1, ...
inline Json ChainTemplate(int n) {
  Json nodes = Json::array({{{"id", "start"}, {"type", "start"}}});
  Json edges = Json::array();
  std::string prev = "start";
  for (int i = 0; i < n; ++i) {
    std::string id = "s" + std::to_string(i);
    nodes.push_back({{"id", id}, {"type", "transform"}, {"data", {{"output", Json::object()}}}});
    edges.push_back({{"id", "e" + std::to_string(i)}, {"source", prev}, {"target", id}});
    prev = id;
  }
  return {{"name", "chain " + std::to_string(n)}, {"nodes", nodes}, {"edges", edges}};
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace atelier::bench
