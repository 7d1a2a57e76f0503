#pragma once
/// A small, strict reader for the Python pickle streams `torch.save` writes (protocol 2, plus the
/// protocol 3/4 opcodes FRAME, SHORT_BINUNICODE, BINUNICODE8, MEMOIZE and STACK_GLOBAL). It
/// builds a tree of plain values; classes and persistent ids are interpreted by the caller's
/// hooks, so nothing in a file can run code or name a class the caller did not allow.
///
/// Every read is bounds-checked; anything malformed, unsupported or over a limit throws
/// `stylecam::Error("<name>: <problem>")`. Values form a tree (no cycles: a list or dict can no
/// longer change once it sits inside another value) at most `kMaxPickleDepth` deep.

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stylecam {

constexpr int kMaxPickleDepth = 64;

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

struct PickleValue {
    enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Object };
    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0;
    std::string text;                                      ///< String; Global: "module.name"
    std::vector<PickleRef> items;                          ///< Tuple, List
    std::vector<std::pair<PickleRef, PickleRef>> entries;  ///< Dict, in insertion order
    std::any object;      ///< Object: whatever a hook made (e.g. a tensor description)
    int depth = 1;        ///< nesting depth of this value
    bool frozen = false;  ///< inside another value: no longer mutable

    static PickleRef make(Kind kind);
    static PickleRef make_object(std::any object);
    /// "None", "int", "str", "tuple", ..., or the Global's name: for error messages.
    std::string describe() const;
    /// The value of `key` (a String) in a Dict; nullptr when absent or not a Dict.
    PickleRef find(std::string_view key) const;
};

/// The caller's interpretation of what the stream refers to. Each hook may throw `Error`.
struct PickleHooks {
    /// GLOBAL / STACK_GLOBAL: returns the value standing for `module.name` (typically a Global)
    /// or throws when the class is not allowed. Default: every class is refused.
    std::function<PickleRef(const std::string& module, const std::string& name)> find_class;
    /// REDUCE: `callable(*args)`; `args` is a Tuple.
    std::function<PickleRef(const PickleValue& callable, const PickleValue& args)> reduce;
    /// BINPERSID: the object a persistent id stands for.
    std::function<PickleRef(const PickleValue& pid)> persistent_load;
    /// BUILD: `target.__setstate__(state)`. Default: state on a Dict (an OrderedDict's
    /// `_metadata`) is dropped; any other BUILD is an error.
    std::function<void(PickleValue& target, const PickleValue& state)> build;
};

/// Reads one pickle from `bytes` starting at `*offset`, up to and including its STOP; advances
/// `*offset` past it. `name` (usually the file) prefixes error messages.
PickleRef read_pickle(std::string_view bytes, size_t* offset, const PickleHooks& hooks,
                      const std::string& name);

}  // namespace stylecam
