#include "atelier/core/json_schema.h"

#include <cmath>
#include <string>

namespace atelier {
namespace {

std::string Brief(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

bool IsInteger(const Json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const Json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return IsInteger(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

const char* TypeName(const Json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_null()) return "null";
  if (IsInteger(v)) return "integer";
  return "number";
}

// Code points, so a limit means what a reader counts (UTF-8 continuation bytes skipped).
size_t Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Status Fail(const std::string& path, const std::string& what) {
  return InvalidArgument(path + ": " + what);
}

// A schema bound as a number, or nothing when absent or not numeric.
bool Bound(const Json& schema, const char* key, double* out) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number()) return false;
  *out = it->get<double>();
  return true;
}

std::string Num(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return Json(d).dump();
}

Status Check(const Json& value, const Json& schema, const std::string& path, int depth) {
  if (depth > 64) return Fail(path, "nested too deeply");
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return Status::Ok();
    return Fail(path, "no value is allowed here");
  }
  if (!schema.is_object()) return Status::Ok();

  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    std::string wanted;
    if (t->is_string()) {
      ok = HasType(value, t->get<std::string>());
      wanted = t->get<std::string>();
    } else if (t->is_array()) {
      for (const auto& one : *t) {
        if (!one.is_string()) continue;
        if (!wanted.empty()) wanted += " or ";
        wanted += one.get<std::string>();
        ok = ok || HasType(value, one.get<std::string>());
      }
    } else {
      ok = true;
    }
    if (!ok)
      return Fail(path, std::string("must be ") + (wanted.empty() ? "of no type" : wanted) +
                            ", got " + TypeName(value) + " " + Brief(value));
  }

  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const auto& option : *e) found = found || option == value;
    if (!found) return Fail(path, "must be one of " + Brief(*e) + ", got " + Brief(value));
  }

  if (value.is_number()) {
    double d = value.get<double>(), bound = 0;
    if (Bound(schema, "minimum", &bound) && d < bound)
      return Fail(path, "must be >= " + Num(bound) + ", got " + value.dump());
    if (Bound(schema, "maximum", &bound) && d > bound)
      return Fail(path, "must be <= " + Num(bound) + ", got " + value.dump());
  }

  if (value.is_string()) {
    size_t n = Length(value.get_ref<const std::string&>());
    double bound = 0;
    if (Bound(schema, "minLength", &bound) && static_cast<double>(n) < bound)
      return Fail(path,
                  "must be at least " + Num(bound) + " characters long, got " + std::to_string(n));
    if (Bound(schema, "maxLength", &bound) && static_cast<double>(n) > bound)
      return Fail(path,
                  "must be at most " + Num(bound) + " characters long, got " + std::to_string(n));
  }

  if (value.is_array()) {
    double bound = 0;
    double n = static_cast<double>(value.size());
    if (Bound(schema, "minItems", &bound) && n < bound)
      return Fail(path, "must have at least " + Num(bound) + " items, got " + Num(n));
    if (Bound(schema, "maxItems", &bound) && n > bound)
      return Fail(path, "must have at most " + Num(bound) + " items, got " + Num(n));
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Status s = Check(value[i], *items, path + "[" + std::to_string(i) + "]", depth + 1);
        if (!s.ok()) return s;
      }
    }
  }

  if (value.is_object()) {
    if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
      for (const auto& name : *req) {
        if (name.is_string() && !value.contains(name.get<std::string>()))
          return Fail(path, "missing required property '" + name.get<std::string>() + "'");
      }
    }
    const Json* props = nullptr;
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) props = &*p;
    const Json* extra = nullptr;
    if (auto a = schema.find("additionalProperties"); a != schema.end()) extra = &*a;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string child = path + "." + it.key();
      if (props && props->contains(it.key())) {
        Status s = Check(it.value(), (*props)[it.key()], child, depth + 1);
        if (!s.ok()) return s;
      } else if (extra) {
        if (extra->is_boolean() && !extra->get<bool>())
          return Fail(path, "unexpected property '" + it.key() + "'");
        Status s = Check(it.value(), *extra, child, depth + 1);
        if (!s.ok()) return s;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckAgainstSchema(const Json& value, const Json& schema) {
  return Check(value, schema, "$", 0);
}

}  // namespace atelier
