#include "core/torch_checkpoint.h"

#include "core/error.h"
#include "core/file_util.h"
#include "core/pickle_reader.h"
#include "core/zip_archive.h"

#include <cstring>

namespace stylecam {
namespace {

using Kind = PickleValue::Kind;

/// The legacy format's first pickle: protocol 2, LONG1 of 10 bytes, 0x1950a86a20f9469cfc6c, STOP.
constexpr std::string_view kLegacyMagic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.",
                                        15);
constexpr int64_t kLegacyProtocol = 1001;
constexpr size_t kMaxNameLength = 1024;

struct StorageType {
    const char* name;
    torch::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", torch::kFloat32},     {"HalfStorage", torch::kFloat16},
    {"BFloat16Storage", torch::kBFloat16}, {"DoubleStorage", torch::kFloat64},
    {"LongStorage", torch::kInt64},        {"IntStorage", torch::kInt32},
    {"ShortStorage", torch::kInt16},       {"CharStorage", torch::kInt8},
    {"ByteStorage", torch::kUInt8},        {"BoolStorage", torch::kBool},
};

/// What a persistent id names: one storage of the file.
struct StorageRef {
    std::string key;
    torch::ScalarType dtype;
    int64_t numel;
};

/// What `_rebuild_tensor_v2` makes: a strided view of a storage.
struct TensorRef {
    StorageRef storage;
    int64_t offset;
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
};

const PickleValue& item(const PickleValue& tuple, size_t index, Kind kind, const char* what) {
    STYLECAM_CHECK(tuple.kind == Kind::Tuple && index < tuple.items.size(), what,
                   ": too few arguments");
    const auto& value = *tuple.items[index];
    STYLECAM_CHECK(value.kind == kind, what, ": argument ", index, " is a ", value.describe(),
                   ", expected a ", PickleValue::make(kind)->describe());
    return value;
}

std::vector<int64_t> int_tuple(const PickleValue& tuple, const char* what) {
    STYLECAM_CHECK(tuple.kind == Kind::Tuple, what, " is a ", tuple.describe(), ", not a tuple");
    STYLECAM_CHECK(tuple.items.size() <= 16, what, " has ", tuple.items.size(), " dimensions");
    std::vector<int64_t> values;
    for (const auto& value : tuple.items) {
        STYLECAM_CHECK(value->kind == Kind::Int, what, " holds a ", value->describe());
        STYLECAM_CHECK(value->integer >= 0, what, " holds a negative value");
        values.push_back(value->integer);
    }
    return values;
}

/// The hooks that turn a state dict's pickle into TensorRefs; every storage seen is recorded.
class StateDictHooks {
  public:
    PickleHooks hooks() {
        PickleHooks h;
        h.find_class = [](const std::string& module, const std::string& name) {
            const std::string full = module + "." + name;
            bool known = full == "collections.OrderedDict" ||
                         full == "torch._utils._rebuild_tensor_v2" ||
                         full == "torch._utils._rebuild_parameter";
            for (const auto& type : kStorageTypes)
                known = known || full == std::string("torch.") + type.name;
            STYLECAM_CHECK(known, "unsupported class '", full,
                           "' (only state dicts of tensors can be read)");
            auto value = PickleValue::make(Kind::Global);
            value->text = full;
            return value;
        };
        h.persistent_load = [this](const PickleValue& pid) { return persistent_load(pid); };
        h.reduce = [](const PickleValue& callable, const PickleValue& args) {
            return reduce(callable, args);
        };
        return h;
    }

    /// Storages by key: dtype and element count.
    std::map<std::string, StorageRef> storages;

  private:
    PickleRef persistent_load(const PickleValue& pid) {
        const char* what = "persistent id";
        STYLECAM_CHECK(pid.kind == Kind::Tuple && (pid.items.size() == 5 || pid.items.size() == 6),
                       what, " is not a storage tuple");
        STYLECAM_CHECK(item(pid, 0, Kind::String, what).text == "storage", what,
                       " is not a storage");
        const auto& type = item(pid, 1, Kind::Global, what).text;
        StorageRef ref{item(pid, 2, Kind::String, what).text, torch::kFloat32,
                       item(pid, 4, Kind::Int, what).integer};
        item(pid, 3, Kind::String, what);  // location ("cpu", "cuda:0"): everything goes to cpu
        if (pid.items.size() == 6)
            STYLECAM_CHECK(pid.items[5]->kind == Kind::None, "storage views are not supported");
        bool found = false;
        for (const auto& known : kStorageTypes)
            if (type == std::string("torch.") + known.name) {
                ref.dtype = known.dtype;
                found = true;
            }
        STYLECAM_CHECK(found, "'", type, "' is not a storage type");
        STYLECAM_CHECK(ref.numel >= 0, "storage '", ref.key, "' has a negative size");
        const auto [it, inserted] = storages.emplace(ref.key, ref);
        STYLECAM_CHECK(inserted || (it->second.dtype == ref.dtype && it->second.numel == ref.numel),
                       "storage '", ref.key, "' described twice, differently");
        return PickleValue::make_object(ref);
    }

    static PickleRef reduce(const PickleValue& callable, const PickleValue& args) {
        const auto& name = callable.text;
        if (name == "collections.OrderedDict") {
            STYLECAM_CHECK(args.items.empty(), "OrderedDict with arguments");
            return PickleValue::make(Kind::Dict);
        }
        if (name == "torch._utils._rebuild_parameter") {
            const auto& data = item(args, 0, Kind::Object, "_rebuild_parameter");
            STYLECAM_CHECK(std::any_cast<TensorRef>(&data.object), "_rebuild_parameter of a ",
                           "non-tensor");
            return PickleValue::make_object(data.object);
        }
        STYLECAM_CHECK(name == "torch._utils._rebuild_tensor_v2", "unsupported call of '", name,
                       "'");
        const char* what = "_rebuild_tensor_v2";
        STYLECAM_CHECK(args.items.size() >= 4 && args.items.size() <= 7, what,
                       ": unexpected arguments");
        const auto* storage = std::any_cast<StorageRef>(&item(args, 0, Kind::Object, what).object);
        STYLECAM_CHECK(storage, what, ": argument 0 is not a storage");
        TensorRef ref{*storage, item(args, 1, Kind::Int, what).integer,
                      int_tuple(*args.items[2], "tensor size"),
                      int_tuple(*args.items[3], "tensor stride")};
        STYLECAM_CHECK(ref.offset >= 0, what, ": negative storage offset");
        STYLECAM_CHECK(ref.sizes.size() == ref.strides.size(), what, ": ", ref.sizes.size(),
                       " sizes but ", ref.strides.size(), " strides");
        return PickleValue::make_object(ref);
    }
};

/// The dict of tensors inside the unpickled object (itself, or under state_dict/model).
const PickleValue& state_dict_of(const PickleValue& root, const std::string& name) {
    STYLECAM_CHECK(root.kind == Kind::Dict, name, ": holds a ", root.describe(),
                   ", not a state dict");
    bool has_tensor = false;
    for (const auto& [key, value] : root.entries) has_tensor |= value->kind == Kind::Object;
    if (!has_tensor)
        for (const char* wrapper : {"state_dict", "model", "state"})
            if (const auto inner = root.find(wrapper); inner && inner->kind == Kind::Dict)
                return *inner;
    return root;
}

/// Copies each storage out of the file once, then views and copies each tensor out of it.
class TensorBuilder {
  public:
    explicit TensorBuilder(const std::string& name) : name_(name) {}

    void add_storage(const StorageRef& ref, std::string_view bytes) {
        const auto element = static_cast<int64_t>(c10::elementSize(ref.dtype));
        STYLECAM_CHECK(static_cast<uint64_t>(ref.numel) <= bytes.size() / element &&
                           static_cast<uint64_t>(ref.numel * element) == bytes.size(),
                       name_, ": storage '", ref.key, "' holds ", bytes.size(), " bytes, expected ",
                       ref.numel, " elements of ", element);
        auto tensor = torch::empty({ref.numel}, torch::TensorOptions().dtype(ref.dtype));
        if (!bytes.empty()) std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
        storages_[ref.key] = tensor;
    }

    torch::Tensor tensor(const std::string& key, const TensorRef& ref) const {
        const auto found = storages_.find(ref.storage.key);
        STYLECAM_CHECK(found != storages_.end(), name_, ": tensor '", key, "': storage '",
                       ref.storage.key, "' is missing");
        const int64_t available = found->second.numel();
        STYLECAM_CHECK(ref.offset <= available, name_, ": tensor '", key,
                       "' starts past the end of its storage");
        // The last element the view touches must lie inside the storage.
        int64_t numel = 1;
        int64_t last = ref.offset;
        for (size_t d = 0; d < ref.sizes.size(); ++d) {
            const int64_t size = ref.sizes[d];
            STYLECAM_CHECK(size == 0 || numel <= (int64_t{1} << 40) / size, name_, ": tensor '",
                           key, "' is too large");
            numel *= size;
            if (size > 0) {
                STYLECAM_CHECK(ref.strides[d] <= (int64_t{1} << 40) / size, name_, ": tensor '",
                               key, "' has an absurd stride");
                last += (size - 1) * ref.strides[d];
            }
        }
        STYLECAM_CHECK(numel == 0 || last < available, name_, ": tensor '", key,
                       "' reaches past the end of its storage (", last, " >= ", available, ")");
        if (numel == 0) return torch::empty(ref.sizes, found->second.options());
        return found->second.as_strided(ref.sizes, ref.strides, ref.offset).contiguous().clone();
    }

  private:
    const std::string& name_;
    std::map<std::string, torch::Tensor> storages_;
};

TorchCheckpoint collect(const PickleValue& root, const TensorBuilder& builder,
                        const std::string& name) {
    const auto& dict = state_dict_of(root, name);
    TorchCheckpoint checkpoint;
    for (const auto& [key, value] : dict.entries) {
        STYLECAM_CHECK(key->kind == Kind::String, name, ": a state dict key is a ",
                       key->describe());
        // No real state dict has longer names; later name matching (std::regex) stays cheap.
        STYLECAM_CHECK(key->text.size() <= kMaxNameLength, name, ": a tensor name of ",
                       key->text.size(), " characters");
        const auto* ref =
            value->kind == Kind::Object ? std::any_cast<TensorRef>(&value->object) : nullptr;
        STYLECAM_CHECK(ref, name, ": entry '", key->text, "' is a ", value->describe(),
                       ", not a tensor");
        STYLECAM_CHECK(!checkpoint.tensors.count(key->text), name, ": tensor '", key->text,
                       "' appears twice");
        checkpoint.tensors[key->text] = builder.tensor(key->text, *ref);
        checkpoint.order.push_back(key->text);
    }
    STYLECAM_CHECK(!checkpoint.tensors.empty(), name, ": the checkpoint holds no tensors");
    return checkpoint;
}

TorchCheckpoint parse_zip(std::string_view bytes, const std::string& name) {
    const ZipArchive zip(bytes, name);
    STYLECAM_CHECK(!zip.entries().empty(), name, ": empty zip file");
    const auto& first = zip.entries().begin()->first;
    const auto slash = first.find('/');
    STYLECAM_CHECK(slash != std::string::npos, name, ": zip entry '", first,
                   "' is not in a folder (not a torch.save file)");
    const std::string prefix = first.substr(0, slash + 1);
    STYLECAM_CHECK(zip.contains(prefix + "data.pkl"), name,
                   ": no data.pkl in the zip (not a torch.save file)");
    if (zip.contains(prefix + "byteorder"))
        STYLECAM_CHECK(zip.read(prefix + "byteorder") == "little", name,
                       ": big-endian checkpoints are not supported");

    StateDictHooks hooks;
    const auto pickle = zip.read(prefix + "data.pkl");
    size_t offset = 0;
    const auto root = read_pickle(pickle, &offset, hooks.hooks(), name + " (data.pkl)");
    STYLECAM_CHECK(offset == pickle.size(), name, ": data.pkl has ", pickle.size() - offset,
                   " bytes after its end");
    TensorBuilder builder(name);
    for (const auto& [key, ref] : hooks.storages)
        builder.add_storage(ref, zip.read(prefix + "data/" + key));
    auto checkpoint = collect(*root, builder, name);
    checkpoint.format = "zip";
    return checkpoint;
}

TorchCheckpoint parse_legacy(std::string_view bytes, const std::string& name) {
    size_t offset = kLegacyMagic.size();
    const PickleHooks plain;
    const auto protocol = read_pickle(bytes, &offset, plain, name);
    STYLECAM_CHECK(protocol->kind == Kind::Int && protocol->integer == kLegacyProtocol, name,
                   ": legacy protocol version is not ", kLegacyProtocol);
    const auto sys_info = read_pickle(bytes, &offset, plain, name);
    const auto little = sys_info->find("little_endian");
    STYLECAM_CHECK(little && little->kind == Kind::Bool && little->boolean, name,
                   ": big-endian checkpoints are not supported");

    StateDictHooks hooks;
    const auto root = read_pickle(bytes, &offset, hooks.hooks(), name);
    const auto keys = read_pickle(bytes, &offset, plain, name);
    STYLECAM_CHECK(keys->kind == Kind::List, name, ": storage key list is a ", keys->describe());

    TensorBuilder builder(name);
    for (const auto& key : keys->items) {
        STYLECAM_CHECK(key->kind == Kind::String, name, ": a storage key is a ", key->describe());
        const auto ref = hooks.storages.find(key->text);
        STYLECAM_CHECK(ref != hooks.storages.end(), name, ": storage '", key->text,
                       "' is listed but never used");
        STYLECAM_CHECK(bytes.size() - offset >= 8, name, ": truncated at storage '", key->text,
                       "'");
        int64_t count = 0;
        std::memcpy(&count, bytes.data() + offset, 8);  // little-endian, checked above
        offset += 8;
        STYLECAM_CHECK(count == ref->second.numel, name, ": storage '", key->text, "' holds ",
                       count, " elements, the pickle says ", ref->second.numel);
        const auto element = c10::elementSize(ref->second.dtype);
        STYLECAM_CHECK(static_cast<uint64_t>(count) <= (bytes.size() - offset) / element, name,
                       ": truncated in storage '", key->text, "'");
        const size_t size = static_cast<size_t>(count) * element;
        builder.add_storage(ref->second, bytes.substr(offset, size));
        offset += size;
    }
    STYLECAM_CHECK(offset == bytes.size(), name, ": ", bytes.size() - offset,
                   " unexpected bytes after the last storage");
    auto checkpoint = collect(*root, builder, name);
    checkpoint.format = "legacy";
    return checkpoint;
}

}  // namespace

TorchCheckpoint parse_torch_checkpoint(std::string_view bytes, const std::string& name) {
    if (looks_like_zip(bytes)) return parse_zip(bytes, name);
    if (bytes.substr(0, kLegacyMagic.size()) == kLegacyMagic) return parse_legacy(bytes, name);
    STYLECAM_CHECK(!bytes.empty(), name, ": empty file");
    STYLECAM_FAIL(name,
                  ": not a PyTorch checkpoint (neither the zip nor the legacy torch.save format)");
}

TorchCheckpoint read_torch_checkpoint(const std::string& path) {
    const auto bytes = read_file_bytes(path);
    return parse_torch_checkpoint(bytes, path);
}

}  // namespace stylecam
